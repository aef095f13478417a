//! Key ids in storage. An id is `key_` and 22 base62 digits; every id a store
//! makes is a 128-bit number (48 bits of milliseconds, 80 random bits), so
//! rows that point at a key (secrets, audit events) keep those 16 bytes
//! instead of 26 characters. An id whose digits exceed 128 bits (possible
//! only through `import`) is kept as its characters; the length tells them
//! apart, so rows written before this packing still read.

use crate::error::{Error, Result};
use crate::format::ALPHABET;

/// Bytes of a packed id.
pub(crate) const PACKED: usize = 16;
const DIGITS: usize = 22;

fn digit(c: u8) -> Option<u128> {
    match c {
        b'0'..=b'9' => Some(u128::from(c - b'0')),
        b'A'..=b'Z' => Some(u128::from(c - b'A' + 10)),
        b'a'..=b'z' => Some(u128::from(c - b'a' + 36)),
        _ => None,
    }
}

/// The 16 bytes of an id, when it has the shape of one and fits.
pub(crate) fn pack(id: &str) -> Option<[u8; PACKED]> {
    let digits = id.strip_prefix("key_")?.as_bytes();
    if digits.len() != DIGITS {
        return None;
    }
    let mut n: u128 = 0;
    for &c in digits {
        n = n.checked_mul(62)?.checked_add(digit(c)?)?;
    }
    Some(n.to_be_bytes())
}

/// The id of 16 packed bytes.
pub(crate) fn unpack(raw: &[u8; PACKED]) -> String {
    let mut n = u128::from_be_bytes(*raw);
    let mut out = [b'0'; 4 + DIGITS];
    out[..4].copy_from_slice(b"key_");
    for slot in out[4..].iter_mut().rev() {
        *slot = ALPHABET[(n % 62) as usize];
        n /= 62;
    }
    String::from_utf8(out.to_vec()).expect("ASCII")
}

/// An id as stored: packed when it fits, its characters otherwise.
pub(crate) fn encode(id: &str) -> Vec<u8> {
    match pack(id) {
        Some(raw) => raw.to_vec(),
        None => id.as_bytes().to_vec(),
    }
}

/// Reads what [`encode`] wrote (or an id's characters, as older rows hold).
pub(crate) fn decode(bytes: &[u8]) -> Result<String> {
    match <&[u8; PACKED]>::try_from(bytes) {
        Ok(raw) => Ok(unpack(raw)),
        Err(_) => match std::str::from_utf8(bytes) {
            // Events about the store rather than a key (pools, prefixes).
            Ok("") => Ok(String::new()),
            Ok(s) if crate::format::is_id(s) => Ok(s.to_owned()),
            _ => Err(Error::Corrupted("a stored key id is damaged".into())),
        },
    }
}

/// serde for an id field of a stored value: bytes of [`encode`]. A string
/// written by postcard reads as the same bytes, so older values still decode.
pub(crate) mod serde_packed {
    use serde::de::{Error as _, Visitor};
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(id: &str, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&super::encode(id))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        struct Id;
        impl Visitor<'_> for Id {
            type Value = String;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a key id")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<String, E> {
                super::decode(v).map_err(|_| E::custom("a damaged key id"))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<String, E> {
                self.visit_bytes(v.as_bytes())
            }
        }
        d.deserialize_bytes(Id).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn edges_pack_and_unpack() {
        let zero = format!("key_{}", "0".repeat(22));
        assert_eq!(pack(&zero), Some([0; PACKED]));
        assert_eq!(unpack(&[0xff; PACKED]), "key_7n42DGM5Tflk9n8mt7Fhc7");
        assert_eq!(pack("key_7n42DGM5Tflk9n8mt7Fhc7"), Some([0xff; PACKED]));
        // One past 2^128 - 1 does not fit: kept as characters.
        assert_eq!(pack("key_7n42DGM5Tflk9n8mt7Fhc8"), None);
        assert_eq!(encode("key_zzzzzzzzzzzzzzzzzzzzzz").len(), 26);
        assert_eq!(
            decode(b"key_zzzzzzzzzzzzzzzzzzzzzz").unwrap(),
            "key_zzzzzzzzzzzzzzzzzzzzzz"
        );
        assert!(pack("key_0000000000000000000-00").is_none());
        assert!(pack("kex_0000000000000000000000").is_none());
        assert!(decode(b"not an id").is_err());
        assert!(decode(&[0; 15]).is_err());
    }

    proptest! {
        #[test]
        fn every_u128_round_trips(raw in any::<[u8; 16]>()) {
            let id = unpack(&raw);
            prop_assert!(crate::format::is_id(&id));
            prop_assert_eq!(pack(&id), Some(raw));
            prop_assert_eq!(decode(&encode(&id)).unwrap(), id);
        }

        #[test]
        fn every_id_shape_round_trips(digits in "[0-9A-Za-z]{22}") {
            let id = format!("key_{digits}");
            prop_assert_eq!(decode(&encode(&id)).unwrap(), id);
        }
    }
}
