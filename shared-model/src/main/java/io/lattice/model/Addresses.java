package io.lattice.model;

/**
 * Every event-bus address Lattice uses, declared once. Verticles talk only through these.
 *
 * <p>Request/reply addresses carry a JSON body and reply JSON or fail with a {@code ReplyException} whose
 * failure code is {@link io.lattice.model.protocol.ErrorCode#ordinal()} and whose message is the error code name,
 * so the gateway maps every failure to a protocol error in one place.
 */
public final class Addresses {
  private Addresses() {
  }

  /** MessageVerticle (local consumer): persist a send, reply with the stored message. */
  public static final String MESSAGE_SEND = "lattice.message.send";
  /** MessageVerticle (local consumer): page messages after a sync cursor. */
  public static final String MESSAGE_SYNC = "lattice.message.sync";
  /** MessageVerticle (local consumer): history newest first, before a canonical position. */
  public static final String MESSAGE_HISTORY = "lattice.message.history";
  /** MessageVerticle (local consumer): messages of a conversation by id, checked for a participant. */
  public static final String MESSAGE_LOOKUP = "lattice.message.lookup";
  /** MessageVerticle (local consumer): conversation commands (create, list, members, get). */
  public static final String CONVERSATION_CREATE = "lattice.conversation.create";
  public static final String CONVERSATION_LIST = "lattice.conversation.list";
  public static final String CONVERSATION_MEMBERS = "lattice.conversation.members";
  public static final String CONVERSATION_GET = "lattice.conversation.get";
  /** Published to every node of the region when a conversation's members change (cache invalidation). */
  public static final String CONVERSATION_CHANGED = "lattice.conversation.changed";
  /** MessageVerticle: typing indicator fan-out to the other participants (ephemeral). */
  public static final String CONVERSATION_TYPING = "lattice.conversation.typing";

  /** RouterVerticle (local consumer): register or unregister a user's connection on a gateway node. */
  public static final String ROUTER_REGISTER = "lattice.router.register";
  public static final String ROUTER_UNREGISTER = "lattice.router.unregister";
  /** RouterVerticle (local consumer): a heartbeat round of one node: refresh its users' entries. */
  public static final String ROUTER_REFRESH = "lattice.router.refresh";
  /** RouterVerticle (local consumer): where is a user (nodes of this region). */
  public static final String ROUTER_LOOKUP = "lattice.router.lookup";
  /** RouterVerticle (local consumer): deliver one frame to users' live connections; replies the offline users. */
  public static final String ROUTER_DELIVER = "lattice.router.deliver";

  /** PresenceVerticle (local consumer): merge receipt updates from a recipient. */
  public static final String RECEIPT_UPDATE = "lattice.receipt.update";
  /** PresenceVerticle (local consumer): the receipt states of one message. */
  /** Receipts of up to 500 messages of one conversation, for a participant (a client catching up). */
  public static final String RECEIPT_QUERY = "lattice.receipt.query";
  public static final String RECEIPT_GET = "lattice.receipt.get";
  /** PresenceVerticle (local consumer): a node's live-connection count for users (absolute, idempotent). */
  public static final String PRESENCE_REPORT = "lattice.presence.report";
  /** PresenceVerticle (local consumer): a heartbeat round of one node: refresh its users' presence. */
  public static final String PRESENCE_REFRESH = "lattice.presence.refresh";
  /** PresenceVerticle (local consumer): presence of users. */
  public static final String PRESENCE_GET = "lattice.presence.get";
  /** Published to every node of the region when a user's presence changes. */
  public static final String PRESENCE_CHANGED = "lattice.presence.changed";

  /** NotificationVerticle (local consumer): register or remove a user's push device (FCM token, Web Push). */
  public static final String PUSH_DEVICES = "lattice.notification.devices";
  /** NotificationVerticle: a message for recipients with no live session. */
  public static final String NOTIFY_OFFLINE = "lattice.notification.offline";

  /**
   * Published (local only, on the node running the bridge) with the message JSON when the Kafka bridge stored a
   * message replicated from another region for the first time, so it can be delivered live to local participants.
   */
  public static final String REPLICATED_MESSAGE = "lattice.bridge.replicated_message";

  /**
   * Published by a node's router, to its own node only (local consumers), when another node of the region left the
   * Hazelcast cluster: its sessions and presence reports must go.
   */
  public static final String NODE_LEFT = "lattice.node.left";

  /**
   * ReplicationVerticle (local consumer): publish a message this region persisted to the region's Kafka log
   * ({@code chat.message_sent}); replies once the broker acknowledged it. A send is acknowledged to the client only
   * after this reply, so an acknowledged message always reaches the other regions.
   */
  public static final String REPLICATE_MESSAGE = "lattice.replicate.message";
  /** ReplicationVerticle (local consumer): publish a conversation snapshot; replies once acknowledged. */
  public static final String REPLICATE_CONVERSATION = "lattice.replicate.conversation";
  /** ReplicationVerticle (local consumer): publish merged receipt states (batched); replies once acknowledged. */
  public static final String REPLICATE_RECEIPTS = "lattice.replicate.receipts";
  /** ReplicationVerticle (local consumer, fire and forget): publish this region's presence slots of users. */
  public static final String REPLICATE_PRESENCE = "lattice.replicate.presence";
  /**
   * ReplicationVerticle (local consumer, fire and forget): targeted live delivery to one other region
   * ({@code chat.cross_region_sync}, produced into the destination region's cluster); best effort, the durable
   * path brings whatever it loses.
   */
  public static final String MESH_FORWARD = "lattice.mesh.forward";
  /**
   * Published to every node of the region (clustered) with the highest Lamport timestamp a bridge applied from
   * other regions, so every node's clock advances past what its users may have seen.
   */
  public static final String LAMPORT_OBSERVED = "lattice.lamport.observed";
  /** The WAN simulator's controls on the node that runs the links (clustered request/reply; demo and tests). */
  public static final String WAN_CONTROL = "lattice.wan.control";

  /** A gateway node's own inbox: frames to deliver to users connected to that node. */
  public static String gatewayNode(String nodeId) {
    return "lattice.gateway.node." + nodeId;
  }

  /** A node's ping address, used to gate readiness on a real cluster round trip. */
  public static String nodePing(String nodeId) {
    return "lattice.node.ping." + nodeId;
  }
}
