//! Webhook signatures, as the sandbox provider signs them and Klearn checks
//! them: `Klearn-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 over
//! "t.raw_body">`. Checked over the raw body before it is parsed, in
//! constant time, within `TOLERANCE_SECS` of now (a replay of an old
//! delivery is refused even with its signature).

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// How far a signature's time may be from now.
pub const TOLERANCE_SECS: i64 = 300;

/// Why a signature was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureError {
    Missing,
    Malformed,
    Stale,
    Mismatch,
}

fn mac(secret: &[u8], timestamp: i64, body: &[u8]) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

/// The header value for `body` signed at `timestamp`.
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    format!("t={timestamp},v1={}", hex::encode(mac(secret, timestamp, body)))
}

/// Checks a header against the raw body at `now` (unix seconds).
pub fn verify(secret: &[u8], header: Option<&str>, body: &[u8], now: i64) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", v)) => signatures.push(hex::decode(v).map_err(|_| SignatureError::Malformed)?),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if (now - timestamp).abs() > TOLERANCE_SECS {
        return Err(SignatureError::Stale);
    }
    let expected = mac(secret, timestamp, body);
    if signatures
        .iter()
        .any(|s| bool::from(s.as_slice().ct_eq(&expected)))
    {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"a webhook secret that is long enough";

    #[test]
    fn a_signature_verifies_within_the_tolerance_only() {
        let body = br#"{"id":"evt_1"}"#;
        let header = sign(SECRET, 1_000, body);
        assert_eq!(verify(SECRET, Some(&header), body, 1_000), Ok(()));
        assert_eq!(
            verify(SECRET, Some(&header), body, 1_000 + TOLERANCE_SECS),
            Ok(())
        );
        assert_eq!(
            verify(SECRET, Some(&header), body, 1_000 + TOLERANCE_SECS + 1),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(SECRET, Some(&header), body, 1_000 - TOLERANCE_SECS - 1),
            Err(SignatureError::Stale)
        );
    }

    #[test]
    fn any_change_breaks_it() {
        let body = br#"{"amount":100}"#;
        let header = sign(SECRET, 50, body);
        assert_eq!(
            verify(SECRET, Some(&header), br#"{"amount":1}"#, 50),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(b"another secret", Some(&header), body, 50),
            Err(SignatureError::Mismatch)
        );
        let moved = header.replace("t=50", "t=51");
        assert_eq!(
            verify(SECRET, Some(&moved), body, 50),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(verify(SECRET, None, body, 50), Err(SignatureError::Missing));
        assert_eq!(
            verify(SECRET, Some("t=50"), body, 50),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(SECRET, Some("v1=zz,t=50"), body, 50),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(SECRET, Some("nonsense"), body, 50),
            Err(SignatureError::Malformed)
        );
    }
}
