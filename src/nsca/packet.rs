//! NSCA 2.x packets: the server's init packet and the client's data packets
//! (version 3, and the 720-byte packets of NSCA 2.7).

use super::crypto::IV_SIZE;

pub const INIT_PACKET_SIZE: usize = IV_SIZE + 4;
const PACKET_VERSION: u16 = 3;
const HOST_SIZE: usize = 64;
const SERVICE_SIZE: usize = 128;
const HOST_AT: usize = 14;
const SERVICE_AT: usize = HOST_AT + HOST_SIZE;
const OUTPUT_AT: usize = SERVICE_AT + SERVICE_SIZE;

/// What the server sent first: the IV and its clock, which every packet echoes.
pub struct Init {
    pub iv: [u8; IV_SIZE],
    pub timestamp: u32,
}

impl Init {
    pub fn parse(bytes: &[u8; INIT_PACKET_SIZE]) -> Init {
        let mut iv = [0u8; IV_SIZE];
        iv.copy_from_slice(&bytes[..IV_SIZE]);
        let mut time = [0u8; 4];
        time.copy_from_slice(&bytes[IV_SIZE..]);
        Init {
            iv,
            timestamp: u32::from_be_bytes(time),
        }
    }
}

/// The two packet layouts the daemon understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// NSCA 2.9+: 4096 bytes of plugin output.
    V3,
    /// NSCA 2.7: 512 bytes of plugin output, one packet per connection.
    Legacy27,
}

impl Format {
    pub fn output_size(self) -> usize {
        match self {
            Format::V3 => 4096,
            Format::Legacy27 => 512,
        }
    }

    pub fn packet_size(self) -> usize {
        OUTPUT_AT + self.output_size() + 2
    }
}

/// The longest host name, service description and output a packet holds,
/// leaving room for the terminating NUL.
pub fn field_limits(format: Format) -> [usize; 3] {
    [HOST_SIZE - 1, SERVICE_SIZE - 1, format.output_size() - 1]
}

/// One passive check result. An empty service makes it a host check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckResult {
    pub host: Vec<u8>,
    pub service: Vec<u8>,
    pub status: u16,
    pub output: Vec<u8>,
}

/// What fills the bytes no field uses.
pub enum Filler<'a> {
    Zeros,
    /// Unpredictable bytes, so the plaintext has less known structure.
    Random(&'a mut FillerRng),
}

/// A small xorshift generator seeded from the OS: the filler needs to look
/// random, not to be a secret, and 43 MB of getrandom for a big batch is slow.
pub struct FillerRng(u64);

impl FillerRng {
    pub fn new() -> FillerRng {
        let mut seed = [0u8; 8];
        // If the OS has no entropy for us, a fixed seed still fills the packet.
        let _ = getrandom::fill(&mut seed);
        FillerRng(u64::from_ne_bytes(seed) | 1)
    }

    fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            chunk.copy_from_slice(&self.0.to_ne_bytes()[..chunk.len()]);
        }
    }
}

impl Default for FillerRng {
    fn default() -> Self {
        FillerRng::new()
    }
}

/// Copies `value` and its NUL into `field`. Callers cut values to the limits first.
fn put_string(field: &mut [u8], value: &[u8]) {
    let n = value.len().min(field.len() - 1);
    field[..n].copy_from_slice(&value[..n]);
    field[n] = 0;
}

/// The plaintext data packet of `result`, CRC included.
pub fn build(format: Format, result: &CheckResult, timestamp: u32, filler: Filler) -> Vec<u8> {
    let mut packet = vec![0u8; format.packet_size()];
    if let Filler::Random(rng) = filler {
        rng.fill(&mut packet);
    }
    packet[0..2].copy_from_slice(&PACKET_VERSION.to_be_bytes());
    packet[4..8].fill(0);
    packet[8..12].copy_from_slice(&timestamp.to_be_bytes());
    packet[12..14].copy_from_slice(&result.status.to_be_bytes());
    put_string(&mut packet[HOST_AT..SERVICE_AT], &result.host);
    put_string(&mut packet[SERVICE_AT..OUTPUT_AT], &result.service);
    let output_end = OUTPUT_AT + format.output_size();
    put_string(&mut packet[OUTPUT_AT..output_end], &result.output);
    let crc = crc32fast::hash(&packet);
    packet[4..8].copy_from_slice(&crc.to_be_bytes());
    packet
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nsca::crypto::{Encryptor, Method};
    use serde_json::Value;

    const VECTORS: &str = include_str!("../../tests/data/nsca/packet-vectors.json");

    fn unhex(hex: &str) -> Vec<u8> {
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect()
    }

    fn vectors() -> Value {
        serde_json::from_str(VECTORS).unwrap()
    }

    /// The two results the golden packets carry, rebuilt from their plaintext.
    fn decode(plain: &[u8], format: Format) -> CheckResult {
        let string = |field: &[u8]| field.split(|&b| b == 0).next().unwrap().to_vec();
        CheckResult {
            status: u16::from_be_bytes([plain[12], plain[13]]),
            host: string(&plain[HOST_AT..SERVICE_AT]),
            service: string(&plain[SERVICE_AT..OUTPUT_AT]),
            output: string(&plain[OUTPUT_AT..OUTPUT_AT + format.output_size()]),
        }
    }

    #[test]
    fn init_packet_gives_iv_and_time() {
        let v = vectors();
        let bytes: [u8; INIT_PACKET_SIZE] = unhex(v["init_packet_hex"].as_str().unwrap())
            .try_into()
            .unwrap();
        let init = Init::parse(&bytes);
        assert_eq!(init.timestamp, v["timestamp"].as_u64().unwrap() as u32);
        assert_eq!(init.iv.to_vec(), unhex(v["iv_hex"].as_str().unwrap()));
    }

    #[test]
    fn plaintext_packets_match_byte_for_byte() {
        let v = vectors();
        let ts = v["timestamp"].as_u64().unwrap() as u32;
        for (key, format) in [
            ("plaintext1_hex", Format::V3),
            ("plaintext2_hex", Format::V3),
            ("legacy_plaintext_hex", Format::Legacy27),
        ] {
            let golden = unhex(v[key].as_str().unwrap());
            assert_eq!(golden.len(), format.packet_size());
            let result = decode(&golden, format);
            assert!(!result.host.is_empty());
            assert_eq!(build(format, &result, ts, Filler::Zeros), golden, "{key}");
        }
    }

    #[test]
    fn every_method_encrypts_two_packets_like_the_daemon_expects() {
        let v = vectors();
        let iv: [u8; IV_SIZE] = unhex(v["iv_hex"].as_str().unwrap()).try_into().unwrap();
        let password = v["password"].as_str().unwrap().as_bytes();
        let methods = v["methods"].as_object().unwrap();
        assert_eq!(methods.len(), 17);
        for (number, expected) in methods {
            let method = Method::from_number(number.parse().unwrap()).unwrap();
            let mut enc = Encryptor::new(method, password, &iv);
            for (plain, cipher) in [
                ("plaintext1_hex", "ciphertext1_hex"),
                ("plaintext2_hex", "ciphertext2_hex"),
            ] {
                let mut packet = unhex(v[plain].as_str().unwrap());
                enc.encrypt_packet(&mut packet);
                let want = unhex(expected[cipher].as_str().unwrap());
                assert_eq!(packet, want, "method {number} {cipher}");
            }
            if let Some(legacy) = expected.get("legacy_ciphertext_hex") {
                let mut enc = Encryptor::new(method, password, &iv);
                let mut packet = unhex(v["legacy_plaintext_hex"].as_str().unwrap());
                enc.encrypt_packet(&mut packet);
                assert_eq!(packet, unhex(legacy.as_str().unwrap()), "legacy {number}");
            }
        }
    }

    #[test]
    fn random_filler_keeps_fields_and_crc_valid() {
        let result = CheckResult {
            host: b"web01".to_vec(),
            service: Vec::new(),
            status: 2,
            output: b"DOWN".to_vec(),
        };
        let mut rng = FillerRng::new();
        let packet = build(Format::V3, &result, 7, Filler::Random(&mut rng));
        assert_eq!(decode(&packet, Format::V3), result);
        let mut zeroed = packet.clone();
        zeroed[4..8].fill(0);
        assert_eq!(crc32fast::hash(&zeroed).to_be_bytes(), packet[4..8]);
        let other = build(Format::V3, &result, 7, Filler::Random(&mut rng));
        assert_ne!(packet, other, "filler changes between packets");
    }
}
