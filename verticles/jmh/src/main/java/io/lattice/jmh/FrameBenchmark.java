package io.lattice.jmh;

import io.lattice.model.Ids;
import io.lattice.model.Message;
import io.lattice.model.crdt.ReceiptState;
import io.lattice.model.protocol.ClientFrame;
import io.lattice.model.protocol.FrameParser;
import io.lattice.model.protocol.ServerFrames;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Setup;

import java.util.ArrayList;
import java.util.List;

/**
 * The wire protocol on the gateway's hot path: a client text frame parsed and validated into a {@link ClientFrame}
 * (JSON decode included), and server frames built and encoded to the text the WebSocket writes.
 */
public class FrameBenchmark extends BenchmarkDefaults {
  private FrameParser parser;
  private String sendFrame;
  private String receiptFrame;
  private Message message;
  private ReceiptState receipt;
  private List<Message> syncPage;

  @Setup
  public void setup() {
    parser = new FrameParser(16 * 1024); // the gateway's default maxContentChars
    sendFrame = new JsonObject().put("type", "send").put("clientMsgId", "c-7f3a9b21-42")
        .put("conversationId", Fixtures.CONVERSATION).put("content", Fixtures.content(200)).encode();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      ids.add(Ids.messageId("bob", "c-" + i));
    }
    receiptFrame = new JsonObject().put("type", "receipt").put("conversationId", Fixtures.CONVERSATION)
        .put("messageIds", new JsonArray(ids)).put("status", "read").encode();
    syncPage = Fixtures.conversation(100, 200);
    message = syncPage.get(42);
    receipt = new ReceiptState(1041, 1043, 1050);
  }

  /** A send frame with 200 characters of content: the most frequent client frame. */
  @Benchmark
  public ClientFrame parseSend() {
    return parser.parse(sendFrame);
  }

  /** A read receipt for 20 messages (a client catching up on a conversation). */
  @Benchmark
  public ClientFrame parseReceipt20() {
    return parser.parse(receiptFrame);
  }

  /** The ack of a send, encoded. */
  @Benchmark
  public String encodeAck() {
    return ServerFrames.ack("c-7f3a9b21-42", message).encode();
  }

  /** A delivered message (200 characters of content), encoded: once per recipient connection. */
  @Benchmark
  public String encodeMessage() {
    return ServerFrames.message(message).encode();
  }

  /** A receipt update, encoded. */
  @Benchmark
  public String encodeReceipt() {
    return ServerFrames.receipt(message.messageId(), message.conversationId(), "bob", receipt).encode();
  }

  /** A full sync page (100 messages of 200 characters), encoded. */
  @Benchmark
  public String encodeSyncResult100() {
    return ServerFrames.syncResult(Fixtures.CONVERSATION, syncPage, "eyJ1cy1lYXN0IjozNH0", true).encode();
  }
}
