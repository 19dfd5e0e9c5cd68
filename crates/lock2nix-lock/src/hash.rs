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

/// A validated file hash (a lock has one per file, thousands of them: a sha256, nearly every one,
/// is stored inline in 48 bytes, a longer digest on the heap).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Hash {
    pub algorithm: HashAlgorithm,
    bytes: Digest,
}

/// The digest bytes of a [`Hash`], sized by its algorithm.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Digest {
    /// A sha256 digest.
    Short([u8; 32]),
    /// A longer digest, in the first [`HashAlgorithm::digest_len`] bytes (the rest zero).
    Long(Box<[u8; 64]>),
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
        let bytes = if algorithm == HashAlgorithm::Sha256 {
            let mut short = [0u8; 32];
            decode_hex(hex_digits.as_bytes(), &mut short)?;
            Digest::Short(short)
        } else {
            let mut long = Box::new([0u8; 64]);
            decode_hex(hex_digits.as_bytes(), &mut long[..expected / 2])?;
            Digest::Long(long)
        };
        Ok(Self { algorithm, bytes })
    }

    /// The SHA-256 hash whose 64 hex digits (either case) are `hex`: what [`Self::parse`]
    /// returns for `sha256:` and them, without looking for the algorithm; `None` when one is not
    /// a hex digit.
    pub(crate) fn sha256_hex(hex: &[u8; 64]) -> Option<Self> {
        let mut short = [0u8; 32];
        decode_hex(hex, &mut short).ok()?;
        Some(Self {
            algorithm: HashAlgorithm::Sha256,
            bytes: Digest::Short(short),
        })
    }

    /// The raw digest bytes.
    pub fn digest(&self) -> &[u8] {
        match &self.bytes {
            Digest::Short(d) => d,
            Digest::Long(d) => &d[..self.algorithm.digest_len()],
        }
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

/// Decode `hex` (two digits, either case, per byte of `out`, which it fills exactly) into `out`.
///
/// Eight digits at a time, in a 64-bit word: a digit's byte is in `0`–`9`, or in `a`–`f` once
/// `0x20` is set (`A`–`F` too); each range test adds to every byte what carries it past `0x80`
/// from the range's start on (no byte carries into the next: every byte is below `0x80`).
fn decode_hex(hex: &[u8], out: &mut [u8]) -> Result<(), HashError> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    // the high bit of each byte of `x` (all below 0x80) that is at least `c`
    let at_least = |x: u64, c: u8| x.wrapping_add(LO * u64::from(0x80 - c)) & HI;
    let mut all_hex = true;
    for (group, out) in hex.chunks_exact(8).zip(out.chunks_exact_mut(4)) {
        let Ok(word) = <[u8; 8]>::try_from(group) else {
            return Err(HashError::NotHex);
        };
        let x = u64::from_le_bytes(word);
        let ascii = x & HI == 0;
        let x = x & !HI;
        let digit = at_least(x, b'0') & !at_least(x, b'9' + 1);
        let lower = x | (LO * 0x20);
        let letter = at_least(lower, b'a') & !at_least(lower, b'f' + 1);
        // no branch per word: a non-hex digit only clears `all_hex`
        all_hex &= ascii & ((digit | letter) == HI);
        // a digit's value is its low nibble, a letter's its low nibble plus 9
        let value = (x & (LO * 0x0f)) + (letter >> 7) * 9;
        // each even byte: its digit's value above the next one's
        let pairs = ((value << 4) | (value >> 8)) & 0x00ff_00ff_00ff_00ff;
        let packed = (pairs | (pairs >> 8)) & 0x0000_ffff_0000_ffff;
        let packed = (packed | (packed >> 16)) & 0xffff_ffff;
        out.copy_from_slice(&packed.to_le_bytes()[..4]);
    }
    if all_hex {
        Ok(())
    } else {
        Err(HashError::NotHex)
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
    fn every_algorithm_decodes_to_its_digest() {
        // sha384("") and sha512("") as `hex` writes them, and mixed case
        for (text, len) in [
            ("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 32),
            ("sha384:38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b", 48),
            ("sha512:cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e", 64),
            ("sha256:0123456789abcdefABCDEF0123456789aBcDeF0123456789abcdef0123456789", 32),
        ] {
            let h = Hash::parse(text).unwrap();
            let digits = &text[7..];
            assert_eq!(h.digest(), hex::decode(digits).unwrap(), "{text}");
            assert_eq!(h.digest().len(), len);
            assert_eq!(h.to_string(), format!("{}:{}", &text[..6], digits.to_lowercase()));
        }
        let a = Hash::parse(&format!("sha256:{}", "0".repeat(64))).unwrap();
        let b = Hash::parse(&format!("sha256:{}1", "0".repeat(63))).unwrap();
        let c = Hash::parse(&format!("sha384:{}", "0".repeat(96))).unwrap();
        assert!(a < b && b < c);
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
        // every other ASCII byte is rejected, at every position
        for b in (0u8..0x80).filter(|b| !b.is_ascii_hexdigit()) {
            let c = char::from(b);
            for at in 0..64 {
                let digits = format!("{}{c}{}", "f".repeat(at), "0".repeat(63 - at));
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
