package io.lattice.bench;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The summary printed after a run, and the report directory: {@code report.json} (everything measured) and
 * {@code index.html}, self-contained (the same JSON inline, charts drawn as inline SVG by inline JavaScript: no
 * network, opens from the file system).
 */
final class Report {
  private Report() {
  }

  static String summary(JsonObject out) {
    StringBuilder s = new StringBuilder();
    s.append("\n== lattice bench ").append(out.getString("scenario")).append(" ==\n");
    JsonObject results = out.getJsonObject("results", new JsonObject());
    results.forEach(e -> {
      if (!(e.getValue() instanceof io.vertx.core.json.JsonArray) || e.getKey().equals("steps")) {
        if (!e.getKey().equals("output")) {
          s.append(String.format("  %-22s %s%n", e.getKey(), e.getValue()));
        }
      }
    });
    io.vertx.core.json.JsonArray byClass = results.getJsonArray("heapPerConnectionByClass");
    if (byClass != null && !byClass.isEmpty()) {
      s.append("  heap per connection by class (bytes, instances):\n");
      for (int i = 0; i < Math.min(12, byClass.size()); i++) {
        JsonObject row = byClass.getJsonObject(i);
        s.append(String.format("    %7d %6.2f  %s%n", row.getLong("bytes"), row.getDouble("instances"),
            row.getString("class")));
      }
    }
    JsonObject lat = out.getJsonObject("latencies", new JsonObject());
    if (!lat.isEmpty()) {
      s.append(String.format("  %-34s %8s %8s %8s %8s %8s %8s%n", "latency (ms)", "count", "p50", "p90", "p99",
          "p99.9", "max"));
      for (Map.Entry<String, Object> e : lat) {
        JsonObject l = (JsonObject) e.getValue();
        if (l.getLong("count", 0L) == 0) {
          continue;
        }
        s.append(String.format("  %-34s %8d %8.2f %8.2f %8.2f %8.2f %8.2f%n", e.getKey(), l.getLong("count"),
            l.getDouble("p50"), l.getDouble("p90"), l.getDouble("p99"), l.getDouble("p999"), l.getDouble("max")));
        JsonObject steady = l.getJsonObject("steady");
        if (steady != null && steady.getLong("count", 0L) > 0) {
          s.append(String.format("  %-34s %8d %8.2f %8.2f %8.2f %8.2f %8.2f%n", "  after " + steady.getDouble("warmupSeconds")
                  + " s warm-up", steady.getLong("count"), steady.getDouble("p50"), steady.getDouble("p90"),
              steady.getDouble("p99"), steady.getDouble("p999"), steady.getDouble("max")));
        }
      }
    }
    JsonObject counters = out.getJsonObject("counters", new JsonObject());
    counters.forEach(e -> {
      if (e.getKey().startsWith("errors") || e.getKey().startsWith("pacer") || e.getKey().equals("reconnects")) {
        s.append(String.format("  %-34s %s%n", e.getKey(), e.getValue()));
      }
    });
    s.append("  verdict: ").append(out.getBoolean("ok", true) ? "OK" : "PROBLEMS (see above)").append('\n');
    return s.toString();
  }

  static Path write(Path dir, JsonObject out) {
    try {
      Files.createDirectories(dir);
      String json = out.encodePrettily();
      Files.writeString(dir.resolve("report.json"), json, StandardCharsets.UTF_8);
      String inline = out.encode().replace("</", "<\\/").replace("<!--", "<\\!--");
      Files.writeString(dir.resolve("index.html"), HTML.replace("/*DATA*/null", inline)
          .replace("{{TITLE}}", "lattice bench " + out.getString("scenario")), StandardCharsets.UTF_8);
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static final String HTML = """
      <!DOCTYPE html>
      <html lang="en"><head><meta charset="utf-8"><title>{{TITLE}}</title>
      <style>
      body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
      header{background:#1d2330;color:#fff;padding:18px 28px}header h1{margin:0;font-size:22px}
      header .sub{opacity:.75;font-size:13px;margin-top:4px}
      main{padding:18px 28px;max-width:1280px}
      h2{font-size:17px;margin:28px 0 10px;border-bottom:1px solid #dde1e7;padding-bottom:4px}
      .cards{display:flex;flex-wrap:wrap;gap:12px}
      .card{background:#fff;border:1px solid #e2e5ea;border-radius:8px;padding:10px 14px;min-width:120px}
      .card .v{font-size:22px;font-weight:600}.card .k{font-size:12px;color:#667}
      .ok{color:#17803d}.bad{color:#c0262d}
      .grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:14px}
      .chart{background:#fff;border:1px solid #e2e5ea;border-radius:8px;padding:8px 10px}
      .chart h3{font-size:13px;margin:2px 0 4px;font-weight:600}
      table{border-collapse:collapse;background:#fff;font-size:13px}td,th{border:1px solid #e2e5ea;padding:4px 8px;text-align:right}
      th{background:#eef0f4}td:first-child,th:first-child{text-align:left}
      svg text{font-size:10px;fill:#556}.legend span{display:inline-block;margin-right:12px;font-size:12px}
      .legend i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
      pre{background:#fff;border:1px solid #e2e5ea;padding:10px;overflow:auto;max-height:400px;font-size:12px}
      details summary{cursor:pointer}
      </style></head><body>
      <header><h1 id="title"></h1><div class="sub" id="sub"></div></header>
      <main id="main"></main>
      <script>
      const DATA = /*DATA*/null;
      const COLORS=['#2563eb','#dc2626','#16a34a','#9333ea','#ea580c','#0891b2','#be185d','#4d7c0f','#64748b','#a16207'];
      const esc=s=>String(s).replace(/[&<>"]/g,c=>({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));
      const fmt=v=>v==null?'':(typeof v==='number'?(Math.abs(v)>=1e9?(v/1e9).toFixed(2)+'G':Math.abs(v)>=1e6?(v/1e6).toFixed(2)+'M':
        Math.abs(v)>=1e4?(v/1e3).toFixed(1)+'k':Number.isInteger(v)?String(v):v.toFixed(Math.abs(v)<1?3:2)):esc(v));
      function ticks(lo,hi,n){const span=hi-lo||1;const step0=span/n;const mag=Math.pow(10,Math.floor(Math.log10(step0)));
        const step=[1,2,5,10].map(m=>m*mag).find(s=>s>=step0);const out=[];for(let v=Math.ceil(lo/step)*step;v<=hi+1e-9;v+=step)out.push(v);return out;}
      function lineChart(title,series,opts={}){
        const W=540,H=220,L=52,R=10,T=8,B=26;const pts=series.flatMap(s=>s.points);
        if(!pts.length)return '';
        let x0=Math.min(...pts.map(p=>p[0])),x1=Math.max(...pts.map(p=>p[0]));if(x1===x0)x1=x0+1;
        let y0=opts.zero===false?Math.min(...pts.map(p=>p[1])):Math.min(0,...pts.map(p=>p[1])),y1=Math.max(...pts.map(p=>p[1]));if(y1===y0)y1=y0+1;
        const sx=x=>L+(x-x0)/(x1-x0)*(W-L-R),sy=y=>H-B-(y-y0)/(y1-y0)*(H-T-B);
        let g='';for(const v of ticks(y0,y1,4)){g+=`<line x1="${L}" x2="${W-R}" y1="${sy(v)}" y2="${sy(v)}" stroke="#eceef2"/><text x="${L-4}" y="${sy(v)+3}" text-anchor="end">${fmt(v)}</text>`;}
        for(const v of ticks(x0,x1,6)){g+=`<text x="${sx(v)}" y="${H-B+14}" text-anchor="middle">${fmt(v)}</text>`;}
        g+=`<text x="${W-R}" y="${H-2}" text-anchor="end">${esc(opts.x||'s')}</text><text x="4" y="10">${esc(opts.y||'')}</text>`;
        series.forEach((s,i)=>{if(!s.points.length)return;const d=s.points.map((p,j)=>(j?'L':'M')+sx(p[0]).toFixed(1)+','+sy(p[1]).toFixed(1)).join('');
          g+=`<path d="${d}" fill="none" stroke="${COLORS[i%COLORS.length]}" stroke-width="1.6"><title>${esc(s.name)}</title></path>`;
          if(s.points.length<3)s.points.forEach(p=>g+=`<circle cx="${sx(p[0])}" cy="${sy(p[1])}" r="2.5" fill="${COLORS[i%COLORS.length]}"/>`);});
        const legend=series.map((s,i)=>`<span><i style="background:${COLORS[i%COLORS.length]}"></i>${esc(s.name)}</span>`).join('');
        return `<div class="chart"><h3>${esc(title)}</h3><svg viewBox="0 0 ${W} ${H}" width="100%">${g}</svg><div class="legend">${legend}</div></div>`;}
      function barChart(title,bars,opts={}){
        if(!bars.length)return '';const W=540,H=220,L=52,R=10,T=8,B=40;const n=bars.length;const ymax=Math.max(...bars.map(b=>b[1]))||1;
        const bw=(W-L-R)/n;let g='';for(const v of ticks(0,ymax,4)){const y=H-B-v/ymax*(H-T-B);g+=`<line x1="${L}" x2="${W-R}" y1="${y}" y2="${y}" stroke="#eceef2"/><text x="${L-4}" y="${y+3}" text-anchor="end">${fmt(v)}</text>`;}
        bars.forEach((b,i)=>{const h=b[1]/ymax*(H-T-B);g+=`<rect x="${L+i*bw+1}" y="${H-B-h}" width="${Math.max(1,bw-2)}" height="${h}" fill="#2563eb"><title>&le; ${b[0]} ms: ${b[1]}</title></rect>`;
          if(n<=24||i%Math.ceil(n/24)===0)g+=`<text transform="translate(${L+i*bw+bw/2},${H-B+10}) rotate(40)">${fmt(b[0])}</text>`;});
        g+=`<text x="${W-R}" y="${H-2}" text-anchor="end">${esc(opts.x||'')}</text><text x="4" y="10">${esc(opts.y||'')}</text>`;
        return `<div class="chart"><h3>${esc(title)}</h3><svg viewBox="0 0 ${W} ${H}" width="100%">${g}</svg></div>`;}
      function table(rows,cols){return '<table><tr>'+cols.map(c=>`<th>${esc(c)}</th>`).join('')+'</tr>'+rows.map(r=>'<tr>'+cols.map(c=>`<td>${fmt(r[c])}</td>`).join('')+'</tr>').join('')+'</table>';}
      const D=DATA,R=D.results||{},main=document.getElementById('main');
      document.title='lattice bench '+D.scenario;
      document.getElementById('title').textContent='lattice bench '+D.scenario+(D.ok===false?' \\u2014 problems':'');
      document.getElementById('sub').textContent=`${D.startedAt} \\u2192 ${D.finishedAt} \\u00b7 targets ${JSON.stringify(D.targets)} \\u00b7 ${D.host.cores} cores, ${D.host.os}, Java ${D.host.java} \\u00b7 options ${JSON.stringify(D.options)}`;
      let h='<h2>Results</h2><div class="cards">';
      for(const [k,v] of Object.entries(R)){if(typeof v==='object')continue;const cls=(k==='lost'||k==='duplicates'||k==='failed')?(v>0?'bad':'ok'):'';
        h+=`<div class="card"><div class="v ${cls}">${fmt(v)}</div><div class="k">${esc(k)}</div></div>`;}
      h+='</div>';
      if(R.steps){h+='<h2>Ramp steps</h2>'+table(R.steps,Object.keys(R.steps[0]||{}));
        h+='<div class="grid">'+lineChart('p99 send\\u2192deliver per step',[{name:'p99 ms',points:R.steps.map(s=>[s.rate,s.p99])},{name:'p50 ms',points:R.steps.map(s=>[s.rate,s.p50])}],{x:'msg/s',y:'ms'})+
          lineChart('achieved vs target rate',[{name:'achieved',points:R.steps.map(s=>[s.rate,s.achieved])},{name:'target',points:R.steps.map(s=>[s.rate,s.rate])}],{x:'target msg/s',y:'msg/s'})+'</div>';}
      const lat=D.latencies||{};const names=Object.keys(lat).filter(n=>lat[n].count>0);
      const rows=names.flatMap(n=>[Object.assign({name:n},lat[n])].concat(lat[n].steady&&lat[n].steady.count>0?[Object.assign({},lat[n].steady,{name:n+' (after '+lat[n].steady.warmupSeconds+' s warm-up)'})]:[]));
      if(names.length){h+='<h2>Latency (ms)</h2>'+table(rows,['name','count','p50','p90','p99','p999','max','mean']);
        h+='<div class="grid">';
        for(const n of names){const l=lat[n];h+=barChart(n+': histogram (count per bucket, upper bound ms)',l.buckets||[],{x:'ms',y:'count'});
          h+=lineChart(n+': percentiles over time',['p50','p90','p99','max'].map(p=>({name:p,points:(l.series||[]).filter(r=>r.count>0).map(r=>[r.t,r[p]])})),{y:'ms'});}
        h+='</div>';}
      const S=D.series||[];
      if(S.length){h+='<h2>Throughput, connections, errors</h2><div class="grid">';
        const rates=Object.keys(S[S.length-1]).filter(k=>k.endsWith('/s')&&!k.startsWith('errors')&&!k.endsWith('.ms/s'));
        h+=lineChart('throughput (per second)',rates.map(k=>({name:k,points:S.filter(r=>k in r).map(r=>[r.t,r[k]])})),{y:'per s'});
        h+=lineChart('connected clients',[{name:'connections',points:S.filter(r=>'connections' in r).map(r=>[r.t,r.connections])}],{y:'clients'});
        const errs=[...new Set(S.flatMap(r=>Object.keys(r)))].filter(k=>(k.startsWith('errors')||k==='reconnects'||k.startsWith('pacer'))&&!k.endsWith('/s'));
        h+=errs.length?lineChart('errors, reconnects, pacer (cumulative)',errs.map(k=>({name:k,points:S.filter(r=>k in r).map(r=>[r.t,r[k]])})),{y:'count'}):'<div class="chart"><h3>errors</h3><p class="ok">none</p></div>';
        h+='</div>';}
      const srv=(D.server||{}).regions||{};const keys=new Map();
      for(const [reg,series] of Object.entries(srv))for(const [k,pts] of Object.entries(series)){if(!keys.has(k))keys.set(k,[]);keys.get(k).push({name:reg,points:pts});}
      if(keys.size){h+='<h2>Server (scraped from each region\\'s /metrics)</h2><div class="grid">';
        const pri=k=>k.startsWith('host_process')||k.startsWith('jvm_heap')?0:k.startsWith('process_cpu')?1:k.includes('event')&&k.includes('loop')?2:k.includes('lag')?3:k.startsWith('lattice_')?4:5;
        [...keys.keys()].sort((a,b)=>pri(a)-pri(b)||a.localeCompare(b)).slice(0,60).forEach(k=>{
          const flat=keys.get(k).every(s=>s.points.every(p=>p[1]===s.points[0][1]));if(flat&&pri(k)>3)return;h+=lineChart(k,keys.get(k),{zero:false});});
        h+='</div>';}
      if(R.output){h+='<h2>Checker output</h2><pre>'+esc(R.output.join('\\n'))+'</pre>';}
      h+='<h2>Raw numbers</h2><details><summary>report.json (also next to this file)</summary><pre>'+esc(JSON.stringify(D,null,1))+'</pre></details>';
      main.innerHTML=h;
      </script></body></html>
      """;
}
