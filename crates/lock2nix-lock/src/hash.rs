//! File hashes as uv writes them (`sha256:<hex>`), and their Nix SRI form.

use std::fmt;

use base64::Engine as _;

/// A hash algorithm uv can record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HashAlgorithm {
    /// SHA-256 (what uv writes for registry files).
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl HashAlgorithm {
    /// The name used in both `algo:<hex>` and SRI forms.
    pub fn as_str(self) -> &'static str {
        match self {
            HashAlgorithm::Sha256 => "sha256",
            HashAlgorithm::Sha384 => "sha384",
            HashAlgorithm::Sha512 => "sha512",
        }
    }

    /// Digest length in bytes.
    pub fn digest_len(self) -> usize {
        match self {
            HashAlgorithm::Sha256 => 32,
            HashAlgorithm::Sha384 => 48,
            HashAlgorithm::Sha512 => 64,
        }
    }
}

/// A validated file hash (stored inline: a lock has one per file, thousands of them).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Hash {
    pub algorithm: HashAlgorithm,
    /// The digest, in the first [`HashAlgorithm::digest_len`] bytes.
    bytes: [u8; 64],
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({self})")
    }
}

/// Why a hash string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HashError {
    /// No `algo:` prefix.
    #[error("expected `<algorithm>:<hex digest>`, e.g. `sha256:` followed by 64 hex digits")]
    NoAlgorithm,
    /// The algorithm is not supported.
    #[error("unsupported hash algorithm `{0}` (supported: sha256, sha384, sha512)")]
    UnsupportedAlgorithm(String),
    /// Wrong number of hex digits.
    #[error("a {algorithm} digest has {expected} hex digits, this one has {found}")]
    WrongLength {
        /// The algorithm.
        algorithm: &'static str,
        /// Expected hex digits.
        expected: usize,
        /// Found.
        found: usize,
    },
    /// Not hexadecimal.
    #[error("the digest is not hexadecimal")]
    NotHex,
}

impl Hash {
    /// Parse `sha256:<hex>` (also sha384/sha512). Hex digits may be upper or lower case.
    pub fn parse(s: &str) -> Result<Self, HashError> {
        let (algorithm, hex_digits) = split_algorithm(s)?;
        let expected = algorithm.digest_len() * 2;
        if hex_digits.len() != expected {
            return Err(HashError::WrongLength {
                algorithm: algorithm.as_str(),
                expected,
                found: hex_digits.chars().count(),
            });
        }
        let mut bytes = [0u8; 64];
        // no branch per digit: a non-hex digit only clears `all_hex`
        let mut all_hex = true;
        for (out, pair) in bytes.iter_mut().zip(hex_digits.as_bytes().chunks_exact(2)) {
            let ((hi, hi_ok), (lo, lo_ok)) = (hex_value(pair[0]), hex_value(pair[1]));
            all_hex &= hi_ok & lo_ok;
            *out = (hi << 4) | (lo & 0xf);
        }
        if !all_hex {
            return Err(HashError::NotHex);
        }
        Ok(Self { algorithm, bytes })
    }

    /// The raw digest bytes.
    pub fn digest(&self) -> &[u8] {
        &self.bytes[..self.algorithm.digest_len()]
    }

    /// The Nix SRI form, `sha256-<base64>` (written into one buffer of its final size: the
    /// overlay holds one per file).
    pub fn to_sri(&self) -> String {
        let algorithm = self.algorithm.as_str();
        let encoded_len = self.digest().len().div_ceil(3) * 4;
        let mut s = String::with_capacity(algorithm.len() + 1 + encoded_len);
        s.push_str(algorithm);
        s.push('-');
        base64::engine::general_purpose::STANDARD.encode_string(self.digest(), &mut s);
        s
    }

    /// Lower-case hex digest.
    pub fn hex(&self) -> String {
        hex::encode(self.digest())
    }
}

/// `algo:<digits>` cut at the first `:`, with the algorithm named.
fn split_algorithm(s: &str) -> Result<(HashAlgorithm, &str), HashError> {
    // what every registry file's hash starts with, without searching for the `:`
    if let Some(digits) = s.strip_prefix("sha256:") {
        return Ok((HashAlgorithm::Sha256, digits));
    }
    let (algo, hex_digits) = s.split_once(':').ok_or(HashError::NoAlgorithm)?;
    let algorithm = match algo {
        "sha256" => HashAlgorithm::Sha256,
        "sha384" => HashAlgorithm::Sha384,
        "sha512" => HashAlgorithm::Sha512,
        other => return Err(HashError::UnsupportedAlgorithm(other.to_string())),
    };
    Ok((algorithm, hex_digits))
}

/// The value of a hex digit (either case) and `true`, or an unspecified value and `false` for
/// any other byte (arithmetic rather than a table lookup: the digit loop then has no loads).
fn hex_value(b: u8) -> (u8, bool) {
    let digit = b.wrapping_sub(b'0');
    // `A`–`F` and `a`–`f` (only those) map to 0–5
    let letter = (b | 0x20).wrapping_sub(b'a');
    if digit < 10 {
        (digit, true)
    } else {
        (letter.wrapping_add(10), letter < 6)
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm.as_str(), self.hex())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sri_is_the_algorithm_and_the_base64_of_the_digest() {
        use base64::Engine;
        for text in [
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "sha512:cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
        ] {
            let h = Hash::parse(text).unwrap();
            let expected = format!(
                "{}-{}",
                h.algorithm.as_str(),
                base64::engine::general_purpose::STANDARD.encode(h.digest())
            );
            assert_eq!(h.to_sri(), expected, "{text}");
        }
    }

    #[test]
    fn sri_of_known_digest() {
        // sha256("") = e3b0c442..., whose SRI form Nix prints as below.
        let h =
            Hash::parse("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
                .unwrap();
        assert_eq!(
            h.to_sri(),
            "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
        assert_eq!(
            h.to_string(),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let upper = "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";
        assert_eq!(Hash::parse(upper), Ok(h));
    }

    #[test]
    fn rejects_bad_hashes() {
        assert_eq!(Hash::parse("e3b0"), Err(HashError::NoAlgorithm));
        assert!(
            matches!(Hash::parse("md5:abcd"), Err(HashError::UnsupportedAlgorithm(a)) if a == "md5")
        );
        assert!(matches!(
            Hash::parse("sha256:abcd"),
            Err(HashError::WrongLength { found: 4, .. })
        ));
        let not_hex = format!("sha256:{}", "g".repeat(64));
        assert_eq!(Hash::parse(&not_hex), Err(HashError::NotHex));
        // every other ASCII byte is rejected, in either position of a pair
        for b in (0u8..0x80).filter(|b| !b.is_ascii_hexdigit()) {
            let c = char::from(b);
            for digits in [
                format!("{c}{}", "0".repeat(63)),
                format!("0{c}{}", "0".repeat(62)),
            ] {
                assert_eq!(
                    Hash::parse(&format!("sha256:{digits}")),
                    Err(HashError::NotHex)
                );
            }
        }
        // multi-byte characters must not panic
        let weird = format!("sha256:{}", "é".repeat(32));
        assert!(Hash::parse(&weird).is_err());
    }
}
