package io.lattice;

/** Which region and node this process is; handed to every verticle of the node. */
public record NodeIdentity(String region, String nodeId) {
}
