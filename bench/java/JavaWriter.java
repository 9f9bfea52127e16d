// The sink reference of bench/throughput.ts: a JVM writer on the DataStax Java driver 4.x, the
// consumer app's prepared INSERT and consistency, asynchronous with many writes in flight.
//
//   java -cp 'lib/*:classes' JavaWriter HOST:PORT[,…] DC CQL CONSISTENCY IN_FLIGHT ROWS.tsv VERSION_TIMESTAMP
//
// ROWS.tsv: first line the column kinds (text, int, decimal, date; the last two are the source
// object (text) and line (int)), then one row a line, values tab-separated, '' for null. With
// VERSION_TIMESTAMP=true the row's version column (kind "version") is also bound as the write
// timestamp, as the app does. Prints {"recordsPerSecond":…,"retries":…} on stdout.
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

public class JavaWriter {
  private static final ScheduledExecutorService RETRY = Executors.newSingleThreadScheduledExecutor();
  private static final AtomicInteger retries = new AtomicInteger();
  private static final AtomicReference<Throwable> failure = new AtomicReference<>();

  public static void main(String[] args) throws Exception {
    String[] points = args[0].split(",");
    String dc = args[1];
    String cql = args[2];
    String consistency = args[3];
    int inFlight = Integer.parseInt(args[4]);
    List<String> lines = Files.readAllLines(Paths.get(args[5]));
    boolean versionTimestamp = Boolean.parseBoolean(args[6]);
    String[] kinds = lines.get(0).split("\t", -1);

    DriverConfigLoader config = DriverConfigLoader.programmaticBuilder()
        .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(12))
        .withString(DefaultDriverOption.REQUEST_CONSISTENCY, consistency)
        .withBoolean(DefaultDriverOption.REQUEST_DEFAULT_IDEMPOTENCE, true)
        .withInt(DefaultDriverOption.CONNECTION_MAX_REQUESTS, 32768)
        .withInt(DefaultDriverOption.REQUEST_THROTTLER_MAX_CONCURRENT_REQUESTS, Math.max(10000, inFlight))
        .build();
    var builder = CqlSession.builder().withLocalDatacenter(dc).withConfigLoader(config);
    for (String p : points) {
      String[] hp = p.split(":");
      builder.addContactPoint(new InetSocketAddress(hp[0], hp.length > 1 ? Integer.parseInt(hp[1]) : 9042));
    }
    try (CqlSession session = builder.build()) {
      PreparedStatement insert = session.prepare(cql);
      List<BoundStatement> statements = new ArrayList<>(lines.size());
      for (int i = 1; i < lines.size(); i++) {
        if (lines.get(i).isEmpty()) continue;
        String[] v = lines.get(i).split("\t", -1);
        List<Object> values = new ArrayList<>(v.length + 1);
        Long version = null;
        for (int c = 0; c < kinds.length; c++) {
          String s = v[c];
          switch (kinds[c]) {
            case "int" -> values.add(s.isEmpty() ? null : Integer.valueOf(s));
            case "version" -> {
              version = Long.valueOf(s);
              values.add(Integer.valueOf(s));
            }
            case "decimal" -> values.add(s.isEmpty() ? null : new BigDecimal(s));
            case "date" -> values.add(s.isEmpty() ? null : LocalDate.parse(s));
            default -> values.add(s.isEmpty() ? null : s);
          }
        }
        if (versionTimestamp) values.add(version == null ? 0L : version);
        statements.add(insert.bind(values.toArray()));
      }
      Semaphore slots = new Semaphore(inFlight);
      long started = System.nanoTime();
      for (BoundStatement statement : statements) {
        slots.acquire();
        if (failure.get() != null) {
          slots.release();
          break;
        }
        submit(session, statement, slots, 0);
      }
      slots.acquire(inFlight);
      long nanos = System.nanoTime() - started;
      if (failure.get() != null) throw new RuntimeException("write failed after retries", failure.get());
      System.out.printf(
          "{\"recordsPerSecond\":%.1f,\"retries\":%d,\"rows\":%d}%n",
          statements.size() / (nanos / 1e9), retries.get(), statements.size());
    } finally {
      RETRY.shutdownNow();
    }
  }

  // Retry timeouts like any real writer would (a busy 2-core machine times out some writes).
  private static void submit(CqlSession session, BoundStatement statement, Semaphore slots, int attempt) {
    session.executeAsync(statement).whenComplete((result, error) -> {
      if (error == null) {
        slots.release();
      } else if (attempt < 20) {
        retries.incrementAndGet();
        RETRY.schedule(
            () -> submit(session, statement, slots, attempt + 1),
            Math.min(2000, 50L << Math.min(attempt, 10)),
            TimeUnit.MILLISECONDS);
      } else {
        failure.compareAndSet(null, error);
        slots.release();
      }
    });
  }
}
