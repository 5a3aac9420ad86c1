package dev.ssegateway.gateway;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.FileProps;
import io.vertx.core.net.PemKeyCertOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.X509KeyManager;
import java.io.ByteArrayInputStream;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Loads a renewed certificate without a restart: every {@code tls.watch_ms} the modification time and size of
 * {@code tls.cert_file} and {@code tls.key_file} are compared with the pair in use; a changed pair is read, checked
 * (the chain parses, the key parses, and the key signs what the leaf certificate's public key verifies) and handed to
 * every gateway instance's HTTP server ({@code HttpServer.updateSSLOptions}): new connections get it, open streams
 * keep their connection and their certificate. A broken pair is refused with one {@code event=tls_reload_refused}
 * line naming the file, and the pair in use stays; the next change of either file is checked again.
 */
final class CertificateReload {

  private static final Logger LOG = LoggerFactory.getLogger(CertificateReload.class);

  private final Vertx vertx;
  private final String certFile;
  private final String keyFile;
  private final List<GatewayVerticle> servers;
  private String applied;
  private String refused;
  private boolean checking;
  private long timerId;
  private volatile String serial;
  private volatile String lastRefusal;
  private volatile long reloads;
  private volatile long refusals;

  private CertificateReload(Vertx vertx, String certFile, String keyFile, List<GatewayVerticle> servers) {
    this.vertx = vertx;
    this.certFile = certFile;
    this.keyFile = keyFile;
    this.servers = servers;
  }

  /** Starts watching the pair the servers were started with. */
  static Future<CertificateReload> start(Vertx vertx, String certFile, String keyFile, List<GatewayVerticle> servers,
                                         long watchMs) {
    CertificateReload reload = new CertificateReload(vertx, certFile, keyFile, servers);
    return reload.signature().compose(sig -> {
      reload.applied = sig;
      return vertx.fileSystem().readFile(certFile);
    }).map(cert -> {
      try {
        reload.serial = leaf(cert).getSerialNumber().toString(16);
      } catch (Exception e) {
        reload.serial = "?";
      }
      reload.timerId = vertx.setPeriodic(watchMs, id -> reload.check());
      return reload;
    });
  }

  /** Serial number (hex) of the certificate in use. */
  String serial() {
    return serial;
  }

  /** Why the last changed pair was refused (it names the file), or null. */
  String lastRefusal() {
    return lastRefusal;
  }

  /** Renewed pairs loaded since start. */
  long reloads() {
    return reloads;
  }

  /** Changed pairs refused since start. */
  long refusals() {
    return refusals;
  }

  void stop() {
    vertx.cancelTimer(timerId);
  }

  private Future<String> signature() {
    return Future.all(vertx.fileSystem().props(certFile), vertx.fileSystem().props(keyFile)).map(all -> {
      FileProps cert = all.resultAt(0);
      FileProps key = all.resultAt(1);
      return cert.lastModifiedTime() + "/" + cert.size() + "|" + key.lastModifiedTime() + "/" + key.size();
    });
  }

  private void check() {
    if (checking) {
      return;
    }
    checking = true;
    signature().compose(sig -> {
      if (sig.equals(applied) || sig.equals(refused)) {
        return Future.succeededFuture();
      }
      return Future.all(vertx.fileSystem().readFile(certFile), vertx.fileSystem().readFile(keyFile))
          .compose(files -> vertx.executeBlocking(() -> validate(files.resultAt(0), files.resultAt(1))))
          .compose(pair -> apply(pair).onSuccess(v -> {
            applied = sig;
            refused = null;
            lastRefusal = null;
          }))
          .onFailure(e -> {
            refused = sig;
            refusals++;
            lastRefusal = e.getMessage();
            LOG.error("event=tls_reload_refused {} keeping_serial={}", e.getMessage(), serial);
          })
          .<Void>mapEmpty().recover(e -> Future.succeededFuture());
    }).onComplete(ar -> checking = false);
  }

  private record Pair(PemKeyCertOptions keyCert, String serial) {
  }

  /** The pair as the server will use it, or an exception whose message names the file at fault. */
  private Pair validate(Buffer cert, Buffer key) throws Exception {
    X509Certificate leaf;
    try {
      leaf = leaf(cert);
    } catch (Exception e) {
      throw new IllegalStateException("file=" + certFile + " reason=\"tls.cert_file is not a PEM certificate chain: "
          + e.getMessage() + "\"");
    }
    PemKeyCertOptions keyCert = new PemKeyCertOptions().setCertValue(cert).setKeyValue(key);
    PrivateKey privateKey;
    try {
      privateKey = privateKey(keyCert.getKeyManagerFactory(vertx));
    } catch (Exception e) {
      throw new IllegalStateException("file=" + keyFile + " reason=\"tls.key_file is not a PEM private key "
          + "(PKCS#8 or PKCS#1): " + e.getMessage() + "\"");
    }
    if (!matches(privateKey, leaf)) {
      throw new IllegalStateException("file=" + keyFile + " reason=\"tls.key_file does not belong to the "
          + "certificate in tls.cert_file (" + certFile + ")\"");
    }
    return new Pair(keyCert, leaf.getSerialNumber().toString(16));
  }

  private Future<Void> apply(Pair pair) {
    List<Future<Boolean>> updates = new ArrayList<>();
    for (GatewayVerticle server : servers) {
      updates.add(server.updateKeyCert(pair.keyCert()));
    }
    return Future.all(updates).<Void>mapEmpty().onSuccess(v -> {
      String old = serial;
      serial = pair.serial();
      reloads++;
      LOG.info("event=tls_reloaded cert_file={} serial={} previous_serial={} instances={}", certFile, serial, old,
          servers.size());
    }).recover(e -> Future.failedFuture(new IllegalStateException("file=" + certFile + " reason=\"the server "
        + "refused the pair: " + e.getMessage() + "\"")));
  }

  static X509Certificate leaf(Buffer pem) throws Exception {
    Collection<? extends Certificate> chain = CertificateFactory.getInstance("X.509")
        .generateCertificates(new ByteArrayInputStream(pem.getBytes()));
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("no certificate in it");
    }
    return (X509Certificate) chain.iterator().next();
  }

  private static PrivateKey privateKey(KeyManagerFactory factory) {
    for (KeyManager manager : factory.getKeyManagers()) {
      if (manager instanceof X509KeyManager x509) {
        for (String type : List.of("RSA", "EC", "EdDSA", "Ed25519")) {
          String[] aliases = x509.getServerAliases(type, null);
          if (aliases != null && aliases.length > 0) {
            return x509.getPrivateKey(aliases[0]);
          }
        }
      }
    }
    throw new IllegalArgumentException("no private key in it");
  }

  /** Whether {@code key} signs what the certificate's public key verifies. */
  private static boolean matches(PrivateKey key, X509Certificate cert) {
    String algorithm = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      default -> key.getAlgorithm(); // EdDSA, Ed25519
    };
    try {
      byte[] probe = "sse-gateway certificate check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(cert.getPublicKey());
      verifier.update(probe);
      return verifier.verify(signature);
    } catch (Exception e) {
      return false;
    }
  }
}
