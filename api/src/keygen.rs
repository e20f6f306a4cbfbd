//! API key tokens: `clt_` followed by 40 random alphanumerics (about 238
//! bits). Only their SHA-256 digest is stored.

use rand::Rng;
use rand::distr::Alphanumeric;

/// A fresh token, its digest and its displayable prefix.
#[derive(Debug)]
pub struct GeneratedKey {
    pub token: String,
    pub digest: [u8; 32],
    pub prefix: String,
}

/// Makes a new token from the operating system's random source.
pub fn generate() -> GeneratedKey {
    let body: String = rand::rng().sample_iter(&Alphanumeric).take(40).map(char::from).collect();
    let token = format!("clt_{body}");
    GeneratedKey { digest: clientele_store::digest_token(&token), prefix: token[..12].to_owned(), token }
}
