package io.lattice.e2e.support;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A minimal RFC 6455 client over a plain socket, for what a normal client library will not do: write exactly one
 * (possibly oversized) frame, and observe the raw close frame. Blocking; one thread.
 */
public final class RawWebSocket implements AutoCloseable {
  private static final SecureRandom RANDOM = new SecureRandom();
  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;

  /** A frame received from the server: opcode, payload; for a close frame {@link #closeCode()}. */
  public record Frame(int opcode, boolean fin, byte[] payload) {
    public String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }

    public boolean isClose() {
      return opcode == 0x8;
    }

    public int closeCode() {
      return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
    }

    @Override
    public String toString() {
      return isClose() ? "close " + closeCode() : "frame op=" + opcode + " " + Frames.abbreviate(text());
    }
  }

  private RawWebSocket(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new DataInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  /** Upgrades {@code wsUrl?token=...}; fails unless the server answers 101. */
  public static RawWebSocket connect(String wsUrl, String token) throws IOException {
    URI uri = URI.create(wsUrl);
    Socket socket = new Socket(uri.getHost(), uri.getPort());
    socket.setSoTimeout(15_000);
    RawWebSocket ws = new RawWebSocket(socket);
    byte[] nonce = new byte[16];
    RANDOM.nextBytes(nonce);
    String request = "GET " + uri.getRawPath() + "?token=" + URLEncoder.encode(token, StandardCharsets.UTF_8)
        + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort() + "\r\nUpgrade: websocket\r\n"
        + "Connection: Upgrade\r\nSec-WebSocket-Key: " + Base64.getEncoder().encodeToString(nonce)
        + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
    ws.out.write(request.getBytes(StandardCharsets.US_ASCII));
    ws.out.flush();
    String status = ws.readLine();
    while (!ws.readLine().isEmpty()) {
      // skip headers
    }
    if (!status.contains(" 101 ")) {
      socket.close();
      throw new IOException("upgrade refused: " + status);
    }
    return ws;
  }

  private String readLine() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\n') {
        break;
      }
      if (c != '\r') {
        line.write(c);
      }
    }
    if (c == -1 && line.size() == 0) {
      throw new EOFException("connection closed during handshake");
    }
    return line.toString(StandardCharsets.US_ASCII);
  }

  /** Writes ONE masked text frame with FIN set, whatever its size. */
  public void sendTextFrame(String text) throws IOException {
    writeFrame(0x1, text.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Writes ONE text frame from another thread, so the caller can read the server's answer (a close frame) while a
   * large frame is still being written; a write failure (the server closed) completes the future exceptionally.
   */
  public CompletableFuture<Void> sendTextFrameInBackground(String text) {
    return CompletableFuture.runAsync(() -> {
      try {
        sendTextFrame(text);
      } catch (IOException e) {
        throw new CompletionException(e);
      }
    });
  }

  private void writeFrame(int opcode, byte[] payload) throws IOException {
    ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
    frame.write(0x80 | opcode);
    if (payload.length < 126) {
      frame.write(0x80 | payload.length);
    } else if (payload.length < 65_536) {
      frame.write(0x80 | 126);
      frame.write(payload.length >>> 8);
      frame.write(payload.length);
    } else {
      frame.write(0x80 | 127);
      long len = payload.length;
      for (int shift = 56; shift >= 0; shift -= 8) {
        frame.write((int) (len >>> shift));
      }
    }
    byte[] mask = new byte[4];
    RANDOM.nextBytes(mask);
    frame.write(mask);
    byte[] masked = new byte[payload.length];
    for (int i = 0; i < payload.length; i++) {
      masked[i] = (byte) (payload[i] ^ mask[i % 4]);
    }
    frame.write(masked);
    out.write(frame.toByteArray());
    out.flush();
  }

  /** Reads the next frame; null on end of stream. */
  public Frame readFrame() throws IOException {
    int b0;
    try {
      b0 = in.read();
    } catch (SocketTimeoutException e) {
      throw e;
    } catch (IOException e) {
      return null; // reset by peer counts as the end
    }
    if (b0 == -1) {
      return null;
    }
    int b1 = in.readUnsignedByte();
    long len = b1 & 0x7f;
    if (len == 126) {
      len = in.readUnsignedShort();
    } else if (len == 127) {
      len = in.readLong();
    }
    byte[] mask = null;
    if ((b1 & 0x80) != 0) {
      mask = new byte[4];
      in.readFully(mask);
    }
    byte[] payload = new byte[(int) len];
    in.readFully(payload);
    if (mask != null) {
      for (int i = 0; i < payload.length; i++) {
        payload[i] ^= mask[i % 4];
      }
    }
    return new Frame(b0 & 0x0f, (b0 & 0x80) != 0, payload);
  }

  /** Reads frames until a close frame or the end of the stream (null then); the frames before are in {@code seen}. */
  public Frame readUntilClose(List<Frame> seen) throws IOException {
    while (true) {
      Frame frame = readFrame();
      if (frame == null || frame.isClose()) {
        return frame;
      }
      seen.add(frame);
    }
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }
}
