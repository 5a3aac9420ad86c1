package dev.ssegateway.testsupport;

import io.netty.util.internal.PlatformDependent;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;

/** Off-heap memory in use in this JVM: JDK direct buffers plus Netty's own (cleaner-less) direct allocations. */
public final class DirectMemory {

  private DirectMemory() {
  }

  public static long used() {
    long jdk = 0;
    for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
      if (pool.getName().equals("direct")) {
        jdk = pool.getMemoryUsed();
      }
    }
    return jdk + Math.max(0, PlatformDependent.usedDirectMemory());
  }
}
