//! The network side of the webhook address rule (`clientele-webhooks`
//! decides; this looks up): a subscription's host name is resolved when it
//! is registered and again at every delivery, and the sender connects only
//! to the addresses that were checked — it resolves through
//! [`WebhookGuard`], which refuses a name as soon as one of its addresses is
//! internal and not allowed. A name re-pointed after registration (DNS
//! rebinding) is therefore caught at delivery.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use clientele_kernel::InvalidValue;
use clientele_webhooks::{AllowList, Host, Refusal, WebhookUrl, check_address, check_resolved};

/// How long one lookup may take.
pub const LOOKUP_TIMEOUT: Duration = Duration::from_secs(5);

/// Names to addresses, for [`WebhookDns::Fixed`].
pub type HostTable = BTreeMap<String, Vec<IpAddr>>;

/// How webhook host names are resolved.
#[derive(Debug, Clone, Default)]
pub enum WebhookDns {
    /// The operating system's resolver (`getaddrinfo`).
    #[default]
    System,
    /// A table, and nothing else: a name not in it does not resolve. Tests
    /// use it (no network needed) and change it while the service runs to
    /// re-point a name.
    Fixed(Arc<RwLock<HostTable>>),
}

impl WebhookDns {
    /// A fixed table.
    pub fn fixed(table: HostTable) -> WebhookDns {
        WebhookDns::Fixed(Arc::new(RwLock::new(table)))
    }

    /// Points `name` at `addresses` (a fixed table only; no effect on the system resolver).
    pub fn set(&self, name: &str, addresses: Vec<IpAddr>) {
        if let WebhookDns::Fixed(table) = self
            && let Ok(mut table) = table.write()
        {
            table.insert(name.to_ascii_lowercase(), addresses);
        }
    }

    /// The addresses of `name`, each once.
    pub async fn lookup(&self, name: &str) -> std::io::Result<Vec<IpAddr>> {
        let not_found = || std::io::Error::new(std::io::ErrorKind::NotFound, "no address found");
        let mut addresses: Vec<IpAddr> = match self {
            WebhookDns::System => tokio::time::timeout(LOOKUP_TIMEOUT, tokio::net::lookup_host((name, 0)))
                .await
                .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "the lookup timed out"))??
                .map(|a| a.ip())
                .collect(),
            WebhookDns::Fixed(table) => table
                .read()
                .map_err(|_| std::io::Error::other("the host table is poisoned"))?
                .get(&name.trim_end_matches('.').to_ascii_lowercase())
                .cloned()
                .ok_or_else(not_found)?,
        };
        addresses.sort();
        addresses.dedup();
        if addresses.is_empty() { Err(not_found()) } else { Ok(addresses) }
    }
}

/// The allow-list and the resolver: checks a URL at registration, and is
/// the resolver the sender connects through.
#[derive(Debug, Clone, Default)]
pub struct WebhookGuard {
    /// Internal hosts that may be reached all the same (`CLIENTELE_WEBHOOK_ALLOW_HOSTS`).
    pub allow: AllowList,
    pub dns: WebhookDns,
}

impl WebhookGuard {
    /// Whether a new subscription may name `url`: an IP literal is checked
    /// as it is; a name is looked up and every address checked. The error is
    /// for the `url` field: `internal_address` or `unresolvable_host`.
    pub async fn check_registration(&self, url: &WebhookUrl) -> Result<(), InvalidValue> {
        let refused = |r: Refusal| {
            InvalidValue::new(
                "internal_address",
                format!(
                    "{}; webhooks are delivered only to public addresses, unless the operator allows the host (CLIENTELE_WEBHOOK_ALLOW_HOSTS)",
                    r.to_string().trim_start_matches("refused: ")
                ),
            )
        };
        match url.host() {
            Host::Ip(ip) => check_address(None, *ip, &self.allow).map_err(refused),
            Host::Name(name) => {
                let addresses = self.dns.lookup(name).await.map_err(|e| {
                    InvalidValue::new(
                        "unresolvable_host",
                        format!("{name} does not resolve ({e}); check the host name"),
                    )
                })?;
                check_resolved(name, &addresses, &self.allow).map_err(refused)
            }
        }
    }
}

impl reqwest::dns::Resolve for WebhookGuard {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let guard = self.clone();
        let name = name.as_str().to_owned();
        Box::pin(async move {
            let addresses = guard.dns.lookup(&name).await?;
            check_resolved(&name, &addresses, &guard.allow)?;
            let addrs: reqwest::dns::Addrs = Box::new(addresses.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(addrs)
        })
    }
}

/// The refusal in an error's chain, if the resolver refused.
pub fn refusal_in<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a Refusal> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(r) = e.downcast_ref::<Refusal>() {
            return Some(r);
        }
        current = e.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::dns::Resolve;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("an address")
    }

    fn guard(allow: &str) -> WebhookGuard {
        let dns = WebhookDns::fixed(HostTable::from([
            ("hooks.example.com".to_owned(), vec![ip("93.184.215.14")]),
            ("gateway.brand.internal".to_owned(), vec![ip("10.1.2.3")]),
            ("mixed.example.com".to_owned(), vec![ip("93.184.215.14"), ip("127.0.0.1")]),
        ]));
        WebhookGuard { allow: AllowList::parse(allow).expect("allow-list"), dns }
    }

    async fn resolve(g: &WebhookGuard, name: &str) -> Result<Vec<SocketAddr>, String> {
        let name: reqwest::dns::Name = name.parse().map_err(|_| "bad name".to_owned())?;
        g.resolve(name).await.map(|a| a.collect()).map_err(|e| e.to_string())
    }

    #[tokio::test]
    async fn the_resolver_refuses_names_with_an_internal_address() {
        let g = guard("");
        assert_eq!(resolve(&g, "hooks.example.com").await, Ok(vec!["93.184.215.14:0".parse().expect("addr")]));
        assert_eq!(
            resolve(&g, "mixed.example.com").await,
            Err("refused: mixed.example.com resolves to an internal address (127.0.0.1, loopback)".into())
        );
        assert!(resolve(&g, "gateway.brand.internal").await.is_err());
        assert!(resolve(&g, "nowhere.example.com").await.is_err());
        // Re-pointed after registration: refused at the next delivery.
        g.dns.set("hooks.example.com", vec![ip("169.254.169.254")]);
        assert!(resolve(&g, "hooks.example.com").await.is_err_and(|e| e.contains("169.254.169.254, link-local")));
    }

    #[tokio::test]
    async fn allowed_hosts_resolve_to_their_internal_addresses() {
        let g = guard("gateway.brand.internal");
        assert_eq!(resolve(&g, "gateway.brand.internal").await, Ok(vec!["10.1.2.3:0".parse().expect("addr")]));
        assert!(resolve(&g, "mixed.example.com").await.is_err());
    }

    #[tokio::test]
    async fn registration_codes() {
        let g = guard("");
        let url = |s: &str| WebhookUrl::parse(s).expect("url");
        let code = |r: Result<(), InvalidValue>| r.map_err(|e| e.code);
        assert_eq!(code(g.check_registration(&url("https://hooks.example.com/in")).await), Ok(()));
        assert_eq!(code(g.check_registration(&url("http://0x7f.1/")).await), Err("internal_address"));
        assert_eq!(code(g.check_registration(&url("https://mixed.example.com/")).await), Err("internal_address"));
        assert_eq!(code(g.check_registration(&url("https://nowhere.example.com/")).await), Err("unresolvable_host"));
    }
}
