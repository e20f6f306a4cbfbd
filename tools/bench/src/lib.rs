//! What the benchmark binaries share (`bench_ingest`, `bench_read`): a
//! database of their own, psql and pgbench, the real `clientele` binary and
//! its `serve`, a minimal keep-alive HTTP client, a closed-loop load of C
//! clients, and percentiles.
//!
//! Invariant: this crate knows nothing of the service's code — it talks to
//! `clientele` as a user would (its command line and its HTTP API) and to
//! PostgreSQL through `psql` and `pgbench`, so a benchmark measures the
//! binary that ships.

use std::io::Write as _;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// `url` with its database replaced, without TLS: everything here talks to
/// PostgreSQL on loopback, where TLS only costs CPU — and pgbench, psql and
/// the service all get the same setting, so the comparison stays fair.
pub fn with_database(url: &str, db: &str) -> String {
    let base = url.split('?').next().unwrap_or(url);
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = base[scheme_end..].find('/').map(|i| i + scheme_end).unwrap_or(base.len());
    format!("{}/{}?sslmode=disable", &base[..path_start], db)
}

/// DATABASE_URL, or the tests' default: a role with CREATEDB.
pub fn admin_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://clientele:clientele@127.0.0.1:5432/clientele".to_owned())
}

/// Runs `sql` with psql (stops at the first error); its output, trimmed.
pub fn psql(url: &str, sql: &str) -> anyhow::Result<String> {
    let out = Command::new("psql").args([url, "-qAtX", "-v", "ON_ERROR_STOP=1", "-c", sql]).output()?;
    if !out.status.success() {
        bail!("psql failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// A database of this run, dropped when dropped (also when the run fails),
/// unless it was kept or it existed before the run.
#[derive(Debug)]
pub struct BenchDatabase {
    admin_url: String,
    name: String,
    url: String,
    drop_at_end: bool,
}

impl BenchDatabase {
    /// Creates `{prefix}_{pid}` (the process id keeps runs side by side apart).
    pub fn fresh(admin_url: &str, prefix: &str) -> anyhow::Result<BenchDatabase> {
        let name = format!("{prefix}_{}", std::process::id());
        psql(admin_url, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?;
        psql(admin_url, &format!("CREATE DATABASE {name}"))?;
        Ok(BenchDatabase {
            url: with_database(admin_url, &name),
            admin_url: admin_url.to_owned(),
            name,
            drop_at_end: true,
        })
    }

    /// A database loaded earlier (e.g. by a run with `--keep`), never dropped here.
    pub fn existing(admin_url: &str, name: &str) -> BenchDatabase {
        BenchDatabase {
            url: with_database(admin_url, name),
            admin_url: admin_url.to_owned(),
            name: name.to_owned(),
            drop_at_end: false,
        }
    }

    /// Leaves the database in place at the end (to profile it, or to run again on it).
    pub fn keep(&mut self) {
        self.drop_at_end = false;
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for BenchDatabase {
    fn drop(&mut self) {
        if self.drop_at_end {
            let _ = psql(&self.admin_url, &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        }
    }
}

/// A port free right now on loopback, for `clientele serve`.
pub fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A file in the temporary directory, named for this run.
pub fn temp_file(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("{}_{name}", std::process::id()))
}

/// The `clientele` binary under test.
#[derive(Debug, Clone)]
pub struct Clientele {
    bin: String,
}

impl Clientele {
    pub fn new(bin: &str) -> Clientele {
        Clientele { bin: bin.to_owned() }
    }

    /// `clientele <params>` against `url`; its standard output, trimmed.
    pub fn run(&self, url: &str, params: &[&str]) -> anyhow::Result<String> {
        let out = Command::new(&self.bin)
            .args(params)
            .env("DATABASE_URL", url)
            .env("CI", "true")
            .env("RUST_LOG", "warn")
            .output()
            .with_context(|| format!("cannot run {}", self.bin))?;
        if !out.status.success() {
            bail!("clientele {params:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }

    /// `clientele migrate`, then `clientele demo` with `members` customers and
    /// on average `orders_per_customer` orders each (seed 1), timed: at a
    /// million members it is most of a run.
    pub fn load_demo(&self, url: &str, members: u32, orders_per_customer: u32) -> anyhow::Result<()> {
        self.run(url, &["migrate"])?;
        let t = Instant::now();
        let (members, orders) = (members.to_string(), orders_per_customer.to_string());
        let demo =
            self.run(url, &["demo", "--customers", &members, "--orders-per-customer", &orders, "--seed", "1"])?;
        println!("setup: {demo} (demo took {:.1} s)", t.elapsed().as_secs_f64());
        Ok(())
    }

    /// `clientele serve` on a free loopback port with a pool of `pool`
    /// connections, once it answers `/health`. The scheduled jobs are off
    /// (`CLIENTELE_JOB_INTERVAL_S=0`): their first round runs at start —
    /// point expiry and, at a million members, a segment refresh of tens of
    /// seconds — and would land in the middle of the measurement.
    pub async fn serve(&self, url: &str, pool: usize) -> anyhow::Result<Server> {
        let port = free_port()?;
        let addr = format!("127.0.0.1:{port}");
        let mut serve = Command::new(&self.bin);
        serve
            .arg("serve")
            .env("DATABASE_URL", url)
            .env("CLIENTELE_BIND", &addr)
            .env("CLIENTELE_DB_POOL", pool.max(4).to_string())
            .env("CLIENTELE_JOB_INTERVAL_S", "0")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let server = Server { child: serve.spawn().context("start clientele serve")?, addr };
        let started = Instant::now();
        loop {
            if let Ok(mut conn) = Http::connect(&server.addr).await
                && conn.request("GET", "/health", None, None).await.is_ok_and(|(status, _)| status == 200)
            {
                return Ok(server);
            }
            if started.elapsed() > Duration::from_secs(30) {
                bail!("the service did not come up");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// A running `clientele serve`, stopped when dropped.
#[derive(Debug)]
pub struct Server {
    child: Child,
    addr: String,
}

impl Server {
    pub fn addr(&self) -> &str {
        &self.addr
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `p` quantile of sorted latencies in microseconds, in milliseconds.
pub fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)] as f64 / 1000.0
}

/// A keep-alive HTTP/1.1 connection: enough for JSON requests to our own
/// service (answers carry Content-Length).
#[derive(Debug)]
pub struct Http {
    stream: tokio::io::BufReader<tokio::net::TcpStream>,
    host: String,
}

impl Http {
    pub async fn connect(addr: &str) -> anyhow::Result<Http> {
        let stream = tokio::net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Http { stream: tokio::io::BufReader::new(stream), host: addr.to_owned() })
    }

    /// The status and body of one request.
    pub async fn request(
        &mut self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&str>,
    ) -> anyhow::Result<(u16, Vec<u8>)> {
        use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\n", self.host);
        if let Some(t) = token {
            head.push_str(&format!("Authorization: Bearer {t}\r\n"));
        }
        let body = body.unwrap_or("");
        if !body.is_empty() {
            head.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        head.push_str(body);
        self.stream.get_mut().write_all(head.as_bytes()).await?;
        let mut line = String::new();
        self.stream.read_line(&mut line).await?;
        let status: u16 = line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).context("bad status line")?;
        let mut length = 0usize;
        loop {
            line.clear();
            if self.stream.read_line(&mut line).await? == 0 {
                bail!("connection closed");
            }
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((name, value)) = l.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse()?;
            }
        }
        let mut buf = vec![0; length];
        self.stream.read_exact(&mut buf).await?;
        Ok((status, buf))
    }
}

/// One request of a load: what client `c` sends as its `n`-th.
#[derive(Debug)]
pub struct Request {
    pub method: &'static str,
    pub path: String,
    pub body: Option<String>,
}

/// What a closed-loop load measured.
#[derive(Debug)]
pub struct Load {
    /// Latencies of the answers with the expected status, in µs, sorted.
    pub latencies: Vec<u64>,
    /// Answers with another status, and requests that failed.
    pub errors: u64,
    /// The first unexpected answer (status and start of the body), to say why.
    pub first_error: Option<String>,
    pub seconds: f64,
}

impl Load {
    pub fn per_second(&self) -> f64 {
        self.latencies.len() as f64 / self.seconds
    }

    pub fn p50(&self) -> f64 {
        percentile(&self.latencies, 0.50)
    }

    pub fn p99(&self) -> f64 {
        percentile(&self.latencies, 0.99)
    }

    /// An error unless every request got the expected status (and there was one).
    pub fn check(&self, what: &str, expected: u16) -> anyhow::Result<()> {
        if self.errors > 0 || self.latencies.is_empty() {
            bail!(
                "{what}: {} requests were not answered {expected} and {} were ({}): the run is not valid",
                self.errors,
                self.latencies.len(),
                self.first_error.as_deref().unwrap_or("-")
            );
        }
        Ok(())
    }
}

/// What a closed loop drives: the service's address, the key it sends, how
/// many clients, and the status every answer must have.
#[derive(Debug, Clone, Copy)]
pub struct LoopInput<'a> {
    pub addr: &'a str,
    pub token: &'a str,
    pub clients: usize,
    pub expected: u16,
}

/// `input.clients` keep-alive connections, each sending its next request as
/// soon as the last is answered, for `seconds`; `n` counts from `offset` (so
/// a warm-up and the measured run do not repeat each other's requests).
pub async fn closed_loop<F>(input: LoopInput<'_>, seconds: u64, offset: u64, next: Arc<F>) -> anyhow::Result<Load>
where
    F: Fn(usize, u64) -> Request + Send + Sync + 'static,
{
    let LoopInput { addr, token, clients, expected } = input;
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (addr, token, next) = (addr.to_owned(), token.to_owned(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut http = Http::connect(&addr).await?;
            let mut latencies = Vec::new();
            let (mut errors, mut first_error) = (0u64, None);
            let mut n = offset;
            while Instant::now() < deadline {
                n += 1;
                let req = next(c, n);
                let t = Instant::now();
                match http.request(req.method, &req.path, Some(&token), req.body.as_deref()).await {
                    Ok((status, _)) if status == expected => latencies.push(t.elapsed().as_micros() as u64),
                    Ok((status, body)) => {
                        errors += 1;
                        let body = String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned();
                        first_error.get_or_insert_with(|| format!("{} {}: {status} {body}", req.method, req.path));
                    }
                    Err(e) => {
                        errors += 1;
                        first_error.get_or_insert_with(|| format!("{} {}: {e}", req.method, req.path));
                        http = Http::connect(&addr).await?;
                    }
                }
            }
            anyhow::Ok((latencies, errors, first_error))
        }));
    }
    let mut load = Load { latencies: Vec::new(), errors: 0, first_error: None, seconds: 0.0 };
    for t in tasks {
        let (l, e, first) = t.await??;
        load.latencies.extend(l);
        load.errors += e;
        if load.first_error.is_none() {
            load.first_error = first;
        }
    }
    load.seconds = started.elapsed().as_secs_f64();
    load.latencies.sort_unstable();
    Ok(load)
}

/// What pgbench measured.
#[derive(Debug)]
pub struct Pgbench {
    pub tps: f64,
    /// pgbench's own "latency average = …" line.
    pub latency: String,
}

/// `pgbench -n -c clients -j 2 -T seconds <extra> -f script url`. An error if
/// a client aborted (e.g. a NOT NULL column the script does not fill), a
/// transaction failed, or none was processed.
pub fn pgbench(url: &str, clients: usize, seconds: u64, extra: &[String], script: &str) -> anyhow::Result<Pgbench> {
    let path = temp_file("clientele_pgbench.sql");
    std::fs::File::create(&path)?.write_all(script.as_bytes())?;
    let out = Command::new("pgbench")
        .args(["-n", "-c", &clients.to_string(), "-j", "2", "-T", &seconds.to_string()])
        .args(extra)
        .arg("-f")
        .arg(&path)
        .arg(url)
        .output()?;
    let _ = std::fs::remove_file(&path);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let number = |prefix: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(prefix))
            .and_then(|v| v.split(['/', ' ']).next())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let failed = number("number of failed transactions: ");
    let processed = number("number of transactions actually processed: ");
    if !out.status.success() || failed > 0 || processed == 0 || stderr.contains("aborted") {
        bail!("pgbench failed ({}): {text}{stderr}", out.status);
    }
    let tps: f64 = text
        .lines()
        .find(|l| l.starts_with("tps = "))
        .and_then(|l| l.trim_start_matches("tps = ").split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .context("no tps in pgbench output")?;
    let latency = text.lines().find(|l| l.starts_with("latency average")).unwrap_or("").to_owned();
    Ok(Pgbench { tps, latency })
}
