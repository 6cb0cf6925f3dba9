package io.lattice.client;

/**
 * The server's 'sent' checkmark for one send: durable in the region (and in its Kafka log).
 *
 * @param attempts how many times the client wrote the send before this ack (1 without a reconnect)
 */
public record Ack(String clientMsgId, String messageId, String conversationId, long lamport, long createdAt,
                  int attempts) {
}
