package io.lattice.notification;

import io.lattice.store.PushDevicesContract;
import io.vertx.core.Vertx;

/** The push devices contract on this JVM's memory. */
class InMemoryPushDevicesTest extends PushDevicesContract {

  @Override
  protected <D> PushDevices<D> createDevices(Vertx vertx, DeviceCodec<D> codec) {
    return new InMemoryPushDevices<>();
  }
}
