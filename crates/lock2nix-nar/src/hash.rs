//! SHA-256 digests in the three textual forms Nix uses: lowercase hex, SRI
//! (`sha256-<base64>`) and Nix's own base32.

use std::fmt;

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;

/// Nix's base32 alphabet: digits and lowercase letters without `e`, `o`, `u`, `t`.
pub const NIX_BASE32_ALPHABET: &[u8; 32] = b"0123456789abcdfghijklmnpqrsvwxyz";

/// Length in bytes of a SHA-256 digest.
pub const SHA256_LEN: usize = 32;

/// Length of a SHA-256 digest in Nix base32 (`ceil(256 / 5)`).
pub const SHA256_NIX_BASE32_LEN: usize = 52;

/// Base64 decoder that accepts the digest with or without `=` padding
/// (SRI strings in the wild are padded, but some tools drop the padding).
const B64_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Why a textual hash could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HashParseError {
    /// The string has the wrong length for the claimed encoding.
    #[error("expected {expected} characters of {encoding} for a sha256 digest, got {actual} in {input:?}")]
    BadLength {
        /// Encoding that was being parsed (`hex`, `nix-base32`, `base64`).
        encoding: &'static str,
        /// Required number of characters.
        expected: usize,
        /// Number of characters found.
        actual: usize,
        /// The offending input.
        input: String,
    },
    /// A character outside the encoding's alphabet.
    #[error("invalid character {character:?} for {encoding} in {input:?}")]
    BadCharacter {
        /// Encoding that was being parsed.
        encoding: &'static str,
        /// The first offending character.
        character: char,
        /// The offending input.
        input: String,
    },
    /// A Nix-base32 string whose most significant character has bits set beyond the 256th.
    #[error("nix-base32 string {input:?} encodes more than 256 bits (first character too large)")]
    Overflow {
        /// The offending input.
        input: String,
    },
    /// An SRI string that does not start with `sha256-`.
    #[error("expected an SRI hash of the form `sha256-<base64>`, got {input:?}")]
    NotSri {
        /// The offending input.
        input: String,
    },
    /// Base64 that does not decode to 32 bytes.
    #[error("invalid base64 in SRI hash {input:?}: {reason}")]
    BadBase64 {
        /// The offending input.
        input: String,
        /// Decoder message.
        reason: String,
    },
    /// A prefixed hash for an algorithm other than sha256.
    #[error("unsupported hash algorithm {algorithm:?} in {input:?} (only sha256 is supported)")]
    UnsupportedAlgorithm {
        /// The algorithm name found.
        algorithm: String,
        /// The offending input.
        input: String,
    },
    /// A string that is none of hex, Nix base32 or SRI.
    #[error("{input:?} is not a sha256 digest in hex (64 chars), nix-base32 (52 chars) or SRI (sha256-<base64>)")]
    Unrecognised {
        /// The offending input.
        input: String,
    },
}

/// A SHA-256 digest; in this crate usually the hash of a NAR serialisation
/// (what Nix calls a "recursive" or NAR hash), but any sha256 digest fits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NarHash([u8; SHA256_LEN]);

impl NarHash {
    /// Wraps raw digest bytes.
    pub const fn from_bytes(bytes: [u8; SHA256_LEN]) -> Self {
        NarHash(bytes)
    }

    /// The raw digest bytes.
    pub const fn as_bytes(&self) -> &[u8; SHA256_LEN] {
        &self.0
    }

    /// SHA-256 of `data` (handy for flat file hashes and tests).
    pub fn sha256_of(data: &[u8]) -> Self {
        use sha2::Digest as _;
        NarHash(sha2::Sha256::digest(data).into())
    }

    /// `sha256-<base64>` (padded standard base64), the form `hash = "…"` takes in nixpkgs.
    pub fn to_sri(&self) -> String {
        format!("sha256-{}", STANDARD.encode(self.0))
    }

    /// Nix base32 (52 characters), the form `nix-hash --base32` prints.
    pub fn to_nix_base32(&self) -> String {
        to_nix_base32(&self.0)
    }

    /// Lowercase hex (64 characters).
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parses `sha256-<base64>`; padding is optional.
    pub fn from_sri(s: &str) -> Result<Self, HashParseError> {
        let b64 = s.strip_prefix("sha256-").ok_or_else(|| {
            if let Some((alg, _)) = s.split_once('-') {
                if !alg.is_empty() && alg.bytes().all(|b| b.is_ascii_alphanumeric()) {
                    return HashParseError::UnsupportedAlgorithm {
                        algorithm: alg.to_owned(),
                        input: s.to_owned(),
                    };
                }
            }
            HashParseError::NotSri {
                input: s.to_owned(),
            }
        })?;
        let bytes = B64_LENIENT
            .decode(b64)
            .map_err(|e| HashParseError::BadBase64 {
                input: s.to_owned(),
                reason: e.to_string(),
            })?;
        let arr: [u8; SHA256_LEN] =
            bytes
                .as_slice()
                .try_into()
                .map_err(|_| HashParseError::BadBase64 {
                    input: s.to_owned(),
                    reason: format!("decodes to {} bytes, expected 32", bytes.len()),
                })?;
        Ok(NarHash(arr))
    }

    /// Parses 52 characters of Nix base32.
    pub fn from_nix_base32(s: &str) -> Result<Self, HashParseError> {
        let bytes = from_nix_base32(s, SHA256_LEN)?;
        let arr: [u8; SHA256_LEN] =
            bytes
                .as_slice()
                .try_into()
                .map_err(|_| HashParseError::Unrecognised {
                    input: s.to_owned(),
                })?;
        Ok(NarHash(arr))
    }

    /// Parses 64 hex characters (either case).
    pub fn from_hex(s: &str) -> Result<Self, HashParseError> {
        if s.len() != 2 * SHA256_LEN {
            return Err(HashParseError::BadLength {
                encoding: "hex",
                expected: 2 * SHA256_LEN,
                actual: s.chars().count(),
                input: s.to_owned(),
            });
        }
        if let Some(c) = s.chars().find(|c| !c.is_ascii_hexdigit()) {
            return Err(HashParseError::BadCharacter {
                encoding: "hex",
                character: c,
                input: s.to_owned(),
            });
        }
        let mut arr = [0u8; SHA256_LEN];
        hex::decode_to_slice(s, &mut arr).map_err(|_| HashParseError::Unrecognised {
            input: s.to_owned(),
        })?;
        Ok(NarHash(arr))
    }

    /// Parses any of the forms Nix and lock files use for a sha256 digest:
    /// SRI (`sha256-…`), `sha256:<hex|base32|base64>`, or a bare hex /
    /// Nix-base32 string (told apart by length).
    pub fn parse_any(s: &str) -> Result<Self, HashParseError> {
        let s_trim = s.trim();
        if s_trim.contains('-') && !s_trim.contains(':') {
            return Self::from_sri(s_trim);
        }
        let body = match s_trim.split_once(':') {
            Some(("sha256", body)) => body,
            Some((alg, _)) => {
                return Err(HashParseError::UnsupportedAlgorithm {
                    algorithm: alg.to_owned(),
                    input: s.to_owned(),
                })
            }
            None => s_trim,
        };
        match body.len() {
            64 => Self::from_hex(body),
            52 => Self::from_nix_base32(body),
            43 | 44 => Self::from_sri(&format!("sha256-{body}")),
            _ => Err(HashParseError::Unrecognised {
                input: s.to_owned(),
            }),
        }
    }
}

impl fmt::Debug for NarHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NarHash({})", self.to_sri())
    }
}

impl fmt::Display for NarHash {
    /// Displays the SRI form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_sri())
    }
}

impl std::str::FromStr for NarHash {
    type Err = HashParseError;
    /// Same as [`NarHash::parse_any`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_any(s)
    }
}

/// Encodes arbitrary bytes in Nix base32 (as `nix-hash --to-base32` does):
/// the string is read from its last character to its first, each character
/// holding the next 5 bits, least significant first.
pub fn to_nix_base32(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return String::new();
    }
    let len = (bytes.len() * 8 - 1) / 5 + 1;
    let mut out = String::with_capacity(len);
    for n in (0..len).rev() {
        let b = n * 5;
        let i = b / 8;
        let j = b % 8;
        let lo = bytes.get(i).copied().unwrap_or(0) as u16 >> j;
        let hi = if j > 3 {
            (bytes.get(i + 1).copied().unwrap_or(0) as u16) << (8 - j)
        } else {
            0
        };
        let c = ((lo | hi) & 0x1f) as usize;
        out.push(NIX_BASE32_ALPHABET[c] as char);
    }
    out
}

/// Decodes Nix base32 into exactly `len` bytes. The string must have the
/// length [`to_nix_base32`] produces for `len` bytes.
pub fn from_nix_base32(s: &str, len: usize) -> Result<Vec<u8>, HashParseError> {
    let expected = if len == 0 { 0 } else { (len * 8 - 1) / 5 + 1 };
    if s.len() != expected || !s.is_ascii() {
        return Err(HashParseError::BadLength {
            encoding: "nix-base32",
            expected,
            actual: s.chars().count(),
            input: s.to_owned(),
        });
    }
    let mut out = vec![0u8; len];
    for (n, ch) in s.bytes().rev().enumerate() {
        let digit = NIX_BASE32_ALPHABET
            .iter()
            .position(|&a| a == ch)
            .ok_or_else(|| HashParseError::BadCharacter {
                encoding: "nix-base32",
                character: ch as char,
                input: s.to_owned(),
            })? as u16;
        let b = n * 5;
        let i = b / 8;
        let j = b % 8;
        let shifted = digit << j;
        if let Some(slot) = out.get_mut(i) {
            *slot |= (shifted & 0xff) as u8;
        }
        let carry = (shifted >> 8) as u8;
        match out.get_mut(i + 1) {
            Some(slot) => *slot |= carry,
            None if carry != 0 => {
                return Err(HashParseError::Overflow {
                    input: s.to_owned(),
                })
            }
            None => {}
        }
    }
    Ok(out)
}

/// `sha256:<hex>` or bare hex (as in `uv.lock`) → `sha256-<base64>`.
pub fn sha256_hex_to_sri(hex: &str) -> Result<String, HashParseError> {
    let body = hex.strip_prefix("sha256:").unwrap_or(hex);
    Ok(NarHash::from_hex(body)?.to_sri())
}

/// `sha256:<hex>` or bare hex → 52-character Nix base32.
pub fn sha256_hex_to_nix_base32(hex: &str) -> Result<String, HashParseError> {
    let body = hex.strip_prefix("sha256:").unwrap_or(hex);
    Ok(NarHash::from_hex(body)?.to_nix_base32())
}

/// `sha256-<base64>` → lowercase hex.
pub fn sri_to_sha256_hex(sri: &str) -> Result<String, HashParseError> {
    Ok(NarHash::from_sri(sri)?.to_hex())
}

/// `sha256-<base64>` → Nix base32.
pub fn sri_to_nix_base32(sri: &str) -> Result<String, HashParseError> {
    Ok(NarHash::from_sri(sri)?.to_nix_base32())
}

/// Nix base32 (optionally prefixed `sha256:`) → `sha256-<base64>`.
pub fn nix_base32_to_sri(b32: &str) -> Result<String, HashParseError> {
    let body = b32.strip_prefix("sha256:").unwrap_or(b32);
    Ok(NarHash::from_nix_base32(body)?.to_sri())
}

/// Nix base32 (optionally prefixed `sha256:`) → lowercase hex.
pub fn nix_base32_to_sha256_hex(b32: &str) -> Result<String, HashParseError> {
    let body = b32.strip_prefix("sha256:").unwrap_or(b32);
    Ok(NarHash::from_nix_base32(body)?.to_hex())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_string_sha256_known_forms() {
        // sha256("") — forms printed by `nix-hash --type sha256 --flat` on an empty file.
        let h = NarHash::sha256_of(b"");
        assert_eq!(
            h.to_hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            h.to_nix_base32(),
            "0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73"
        );
        assert_eq!(
            h.to_sri(),
            "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
    }

    #[test]
    fn overflow_detected() {
        // The first character carries only 1 significant bit for 256-bit digests.
        let s = format!("2{}", "0".repeat(51));
        assert!(matches!(
            NarHash::from_nix_base32(&s),
            Err(HashParseError::Overflow { .. })
        ));
        let ok = format!("1{}", "0".repeat(51));
        assert!(NarHash::from_nix_base32(&ok).is_ok());
    }

    #[test]
    fn non_ascii_does_not_panic() {
        assert!(NarHash::from_hex(&"é".repeat(32)).is_err());
        assert!(NarHash::from_nix_base32(&"é".repeat(26)).is_err());
        assert!(NarHash::parse_any("sha256-ééé").is_err());
        assert!(NarHash::parse_any("").is_err());
    }
}
