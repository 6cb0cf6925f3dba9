package io.lattice.model.protocol;

import java.util.List;

/** Frames a client sends. Parsed and validated by {@link FrameParser}; every instance is well-formed. */
public sealed interface ClientFrame {

  record Send(String clientMsgId, String conversationId, String content, String mediaUrl) implements ClientFrame {
  }

  record Receipt(String conversationId, List<String> messageIds, Status status) implements ClientFrame {
    public enum Status {
      delivered, read
    }
  }

  /** @param cursor opaque cursor from a previous sync_result, or null for the start of the conversation */
  record Sync(String conversationId, String cursor, int limit) implements ClientFrame {
  }

  record Ping() implements ClientFrame {
  }

  record Typing(String conversationId) implements ClientFrame {
  }

  record SubscribePresence(List<String> userIds) implements ClientFrame {
  }
}
