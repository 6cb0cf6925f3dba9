package io.lattice.store.redis;

import io.lattice.model.crdt.PresenceSlot;
import io.lattice.model.crdt.PresenceState;
import io.vertx.redis.client.Response;

import java.util.Map;
import java.util.TreeMap;

/**
 * The Lua functions every presence script starts with: a port of the embedded {@code PresenceRecord} (same
 * derivation of this region's slot, same versions, same last-writer-wins merge), reading and writing the user's
 * presence hash.
 *
 * <p>Hash fields: {@code r:<region>:<nodeId>} = {@code <count>:<expiresAt>} (a node report of a region whose nodes
 * report here), {@code s:<region>} = {@code <count>:<version>:<expiresAt>} (a region's slot). Region names contain
 * no ':'. Numbers are epoch millis or counters, exact in Lua's doubles up to 2^53.
 *
 * <p>The hash is rewritten whenever a report changed, even if the derived slot did not (e.g. a node's refresh that
 * does not move the slot's expiry because another node's report lives longer); the embedded PresenceRecord
 * stores only when the slot changes, which loses such a refresh (reported to the lead as a bug there).
 *
 * <p>Every script's reply: {@code {-1}} when it only reports changes and nothing changed, else
 * {@code {changed (0|1), region, count, version, expiresAt, ...}} with every slot after the change.
 */
final class PresenceLua {

  private PresenceLua() {
  }

  static final String COMMON = """
      local function n(x) return string.format('%.0f', x) end

      local function load(key)
        local rec = {reports = {}, slots = {}, existed = false, dirty = false}
        local flat = redis.call('HGETALL', key)
        if #flat > 0 then rec.existed = true end
        for i = 1, #flat, 2 do
          local f, v = flat[i], flat[i + 1]
          local kind = string.sub(f, 1, 2)
          if kind == 'r:' then
            local rest = string.sub(f, 3)
            local sep = string.find(rest, ':', 1, true)
            local region, node = string.sub(rest, 1, sep - 1), string.sub(rest, sep + 1)
            local c, e = string.match(v, '^(-?%d+):(-?%d+)$')
            rec.reports[region] = rec.reports[region] or {}
            rec.reports[region][node] = {tonumber(c), tonumber(e)}
          elseif kind == 's:' then
            local c, ver, e = string.match(v, '^(-?%d+):(-?%d+):(-?%d+)$')
            rec.slots[string.sub(f, 3)] = {tonumber(c), tonumber(ver), tonumber(e)}
          end
        end
        return rec
      end

      local function isEmpty(rec)
        return next(rec.reports) == nil and next(rec.slots) == nil
      end

      -- Recomputes an owned region's slot from its live reports; true when the slot changed. The version becomes
      -- max(previous + 1, now): strictly increasing, and still increasing after the key expired and came back.
      local function derive(rec, region, now)
        local nodes = rec.reports[region] or {}
        local count, expiresAt = 0, 0
        local live = {}
        for node, r in pairs(nodes) do
          if r[2] > now then
            live[node] = r
            count = count + r[1]
            if r[2] > expiresAt then expiresAt = r[2] end
          else
            rec.dirty = true
          end
        end
        if next(live) == nil then rec.reports[region] = nil else rec.reports[region] = live end
        local current = rec.slots[region]
        if current == nil and count == 0 then return false end
        if current ~= nil then
          local bothGone = count == 0 and current[1] == 0
          if bothGone or (current[1] == count and current[3] == expiresAt) then return false end
        end
        local version = now
        if current ~= nil then version = math.max(current[2] + 1, now) end
        if count == 0 then expiresAt = now end
        rec.slots[region] = {count, version, expiresAt}
        return true
      end

      local function expire(rec, now)
        local regions = {}
        for region in pairs(rec.reports) do regions[#regions + 1] = region end
        local changed = false
        for _, region in ipairs(regions) do
          if derive(rec, region, now) then changed = true end
        end
        return changed
      end

      local function report(rec, region, node, count, expiresAt, now)
        rec.reports[region] = rec.reports[region] or {}
        if count == 0 then rec.reports[region][node] = nil else rec.reports[region][node] = {count, expiresAt} end
        rec.dirty = true
        return derive(rec, region, now)
      end

      local function refresh(rec, region, node, expiresAt, now)
        local nodes = rec.reports[region]
        if nodes == nil or nodes[node] == nil then return false end
        nodes[node] = {nodes[node][1], expiresAt}
        rec.dirty = true
        return derive(rec, region, now)
      end

      local function removeNode(rec, region, node, now)
        local nodes = rec.reports[region]
        if nodes == nil or nodes[node] == nil then return false end
        nodes[node] = nil
        rec.dirty = true
        return derive(rec, region, now)
      end

      local function newer(a, b)
        if a[2] ~= b[2] then if a[2] > b[2] then return a else return b end end
        if a[1] ~= b[1] then if a[1] > b[1] then return a else return b end end
        if a[3] >= b[3] then return a else return b end
      end

      -- Other regions' slots, last writer wins by version; the slots of owned regions are never overwritten.
      local function mergeRemote(rec, remote)
        local changed = false
        for region, slot in pairs(remote) do
          if rec.reports[region] == nil then
            local current = rec.slots[region]
            local merged = slot
            if current ~= nil then merged = newer(current, slot) end
            if current == nil or merged[1] ~= current[1] or merged[2] ~= current[2] or merged[3] ~= current[3] then
              rec.slots[region] = merged
              changed = true
            end
          end
        end
        return changed
      end

      local function save(key, rec, now, grace)
        redis.call('DEL', key)
        if isEmpty(rec) then return end
        local args = {}
        for region, nodes in pairs(rec.reports) do
          for node, r in pairs(nodes) do
            args[#args + 1] = 'r:' .. region .. ':' .. node
            args[#args + 1] = n(r[1]) .. ':' .. n(r[2])
          end
        end
        local latest = 0
        for region, s in pairs(rec.slots) do
          args[#args + 1] = 's:' .. region
          args[#args + 1] = n(s[1]) .. ':' .. n(s[2]) .. ':' .. n(s[3])
          if s[3] > latest then latest = s[3] end
        end
        redis.call('HSET', key, unpack(args))
        redis.call('PEXPIRE', key, n(math.max(latest - now, 0) + grace))
      end

      local function apply(key, now, grace, onlyChanges, change)
        local rec = load(key)
        local changed = change(rec)
        -- Saved when the slot changed, but also when only a report did (a node's refresh that does not move the
        -- slot's expiry because another node's report lives longer): otherwise that refresh would be lost.
        if changed or rec.dirty then
          save(key, rec, now, grace)
        elseif rec.existed and isEmpty(rec) then
          redis.call('DEL', key)
        end
        if onlyChanges and not changed then return {-1} end
        local out = {changed and 1 or 0}
        for region, s in pairs(rec.slots) do
          out[#out + 1] = region
          out[#out + 1] = s[1]
          out[#out + 1] = s[2]
          out[#out + 1] = s[3]
        end
        return out
      end

      local now, grace = tonumber(ARGV[1]), tonumber(ARGV[2])
      """;

  /** The state of a script reply, or null when the script reported no change ({@code {-1}}). */
  static PresenceState state(Response reply) {
    if (reply.get(0).toLong() < 0) {
      return null;
    }
    Map<String, PresenceSlot> slots = new TreeMap<>();
    for (int i = 1; i + 3 < reply.size(); i += 4) {
      slots.put(reply.get(i).toString(),
          new PresenceSlot(reply.get(i + 1).toLong(), reply.get(i + 2).toLong(), reply.get(i + 3).toLong()));
    }
    return slots.isEmpty() ? PresenceState.EMPTY : new PresenceState(slots);
  }
}
