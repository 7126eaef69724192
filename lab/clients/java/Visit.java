/*
 * java.net.http.HttpClient as a lab client: one JVM per session, one visit per stdin line
 * ("url\tsite\tproxyHost\tproxyPort\ttimeoutMs"), one JSON line per verdict on stdout. An empty
 * proxyHost goes straight to the URL's host (inside a lab whose DNS resolves it to its route).
 *
 * Trust: the platform TrustManagerFactory initialised from -Djavax.net.ssl.trustStore (a PKCS12
 * file keytool made for this session), wrapped only to record the chain the server sent. A new
 * SSLContext per visit so no TLS session is resumed across visits.
 * Pins (args[0], comma-separated SPKI SHA-256 base64) are checked like OkHttp's
 * CertificatePinner: some certificate of the chain, or the anchor it chains to, must be pinned,
 * else SSLPeerUnverifiedException. HttpClient has no post-handshake hook, so this check runs once
 * the response head has arrived: the GET has been sent by then.
 */
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

public final class Visit {
  public static void main(String[] args) throws Exception {
    Set<String> pins = new HashSet<>();
    if (args.length > 0 && !args[0].isEmpty()) pins.addAll(Arrays.asList(args[0].split(",")));
    TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init((KeyStore) null);
    X509ExtendedTrustManager platform = null;
    for (TrustManager manager : factory.getTrustManagers()) {
      if (manager instanceof X509ExtendedTrustManager) platform = (X509ExtendedTrustManager) manager;
    }
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    out.println("{\"ready\":true,\"java\":" + json(System.getProperty("java.version")) + "}");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      if (line.isBlank()) continue;
      out.println(visit(line.split("\t"), platform, pins));
    }
  }

  static String visit(String[] fields, X509ExtendedTrustManager platform, Set<String> pins) {
    RecordingTrustManager recorder = new RecordingTrustManager(platform);
    try {
      Duration timeout = Duration.ofMillis(Long.parseLong(fields[4]));
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {recorder}, null);
      HttpClient client = HttpClient.newBuilder()
          .sslContext(context)
          .proxy(fields[2].isEmpty() ? HttpClient.Builder.NO_PROXY : ProxySelector.of(new InetSocketAddress(fields[2], Integer.parseInt(fields[3]))))
          .connectTimeout(timeout)
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();
      HttpRequest request = HttpRequest.newBuilder(URI.create(fields[0]))
          .timeout(timeout)
          .GET()
          .build();
      HttpResponse<Void> response = client.send(request, HttpResponse.BodyHandlers.discarding());
      if (!pins.isEmpty()) checkPins(fields[1], recorder.seen, platform, pins);
      return "{\"outcome\":\"loaded\",\"status\":" + response.statusCode() + ",\"chain_der\":" + chainJson(recorder.seen) + "}";
    } catch (Exception error) {
      return "{\"outcome\":\"refused\",\"error\":" + json(errorName(error)) + ",\"detail\":" + json(errorDetail(error))
          + ",\"chain_der\":" + chainJson(recorder.seen) + "}";
    }
  }

  static void checkPins(String site, X509Certificate[] chain, X509ExtendedTrustManager platform, Set<String> pins)
      throws Exception {
    List<X509Certificate> candidates = new ArrayList<>(Arrays.asList(chain));
    if (chain.length > 0) {
      X509Certificate top = chain[chain.length - 1];
      for (X509Certificate anchor : platform.getAcceptedIssuers()) {
        if (!anchor.getSubjectX500Principal().equals(top.getIssuerX500Principal())) continue;
        try {
          top.verify(anchor.getPublicKey());
          candidates.add(anchor);
        } catch (Exception notThisOne) {
          // another anchor with the same name may have signed it
        }
      }
    }
    StringBuilder peer = new StringBuilder();
    for (X509Certificate certificate : candidates) {
      String hash = spkiSha256(certificate);
      if (pins.contains(hash)) return;
      peer.append("\n    sha256/").append(hash).append(": ").append(certificate.getSubjectX500Principal().getName());
    }
    throw new SSLPeerUnverifiedException("Certificate pinning failure!\n  Peer certificate chain:" + peer
        + "\n  Pinned certificates for " + site + ":" + String.join(",", pins));
  }

  static String spkiSha256(X509Certificate certificate) throws Exception {
    byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getPublicKey().getEncoded());
    return Base64.getEncoder().encodeToString(digest);
  }

  /** "Outer:RootCause" by simple class name, e.g. SSLHandshakeException:SunCertPathBuilderException. */
  static String errorName(Throwable error) {
    Throwable root = error;
    while (root.getCause() != null && root.getCause() != root) root = root.getCause();
    String outer = error.getClass().getSimpleName();
    String inner = root.getClass().getSimpleName();
    return outer.equals(inner) ? outer : outer + ":" + inner;
  }

  static String errorDetail(Throwable error) {
    StringBuilder detail = new StringBuilder();
    for (Throwable current = error; current != null && detail.length() < 2000; current = current.getCause()) {
      if (detail.length() > 0) detail.append(" <- ");
      detail.append(current.getClass().getName()).append(": ").append(current.getMessage());
      if (current.getCause() == current) break;
    }
    return detail.toString();
  }

  static String chainJson(X509Certificate[] chain) {
    StringBuilder json = new StringBuilder("[");
    for (int i = 0; i < chain.length; i++) {
      try {
        if (i > 0) json.append(',');
        json.append('"').append(Base64.getEncoder().encodeToString(chain[i].getEncoded())).append('"');
      } catch (Exception unencodable) {
        json.append("null");
      }
    }
    return json.append(']').toString();
  }

  static String json(String text) {
    if (text == null) return "null";
    StringBuilder out = new StringBuilder("\"");
    for (char c : text.toCharArray()) {
      if (c == '"' || c == '\\') out.append('\\').append(c);
      else if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
      else out.append(c);
    }
    return out.append('"').toString();
  }

  /** Delegates every decision to the platform trust manager; only remembers what it was shown. */
  static final class RecordingTrustManager extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager platform;
    X509Certificate[] seen = new X509Certificate[0];

    RecordingTrustManager(X509ExtendedTrustManager platform) {
      this.platform = platform;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
      seen = chain.clone();
      platform.checkServerTrusted(chain, authType, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
      seen = chain.clone();
      platform.checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      seen = chain.clone();
      platform.checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
      platform.checkClientTrusted(chain, authType, engine);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
      platform.checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      platform.checkClientTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return platform.getAcceptedIssuers();
    }
  }
}
