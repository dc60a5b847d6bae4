//! NSCA's encryption: method numbers, XOR, and libmcrypt's 8-bit CFB over
//! any block cipher.
//!
//! Every method but 0 and 1 is libmcrypt's "cfb" mode: one byte of
//! plaintext per block encryption, one cipher stream for a whole
//! connection. The block ciphers themselves sit behind [`BlockEncrypt`], so
//! CFB is written once.

mod des;
mod loki97;
mod rijndael;
mod rustcrypto;
mod saferplus;
mod twofish;

/// Size of the IV the server sends in its init packet.
pub const IV_SIZE: usize = 128;

/// A block cipher in the encrypt direction only, which is all CFB needs.
pub trait BlockEncrypt: Send {
    fn block_size(&self) -> usize;
    /// Encrypts one block of exactly `block_size()` bytes in place.
    fn encrypt_block(&self, block: &mut [u8]);

    /// The first byte of the encrypted `block`, all that CFB-8 uses; ciphers
    /// may skip the work for the other bytes.
    fn encrypt_first_byte(&self, block: &[u8]) -> u8 {
        let mut copy = [0u8; MAX_BLOCK];
        let copy = &mut copy[..block.len()];
        copy.copy_from_slice(block);
        self.encrypt_block(copy);
        copy[0]
    }
}

/// The largest block of any method (Rijndael-256).
const MAX_BLOCK: usize = 32;

/// An NSCA `encryption_method` that the Debian daemon can decrypt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    None,
    Xor,
    Des,
    TripleDes,
    Cast128,
    Cast256,
    Xtea,
    Blowfish,
    Twofish,
    Loki97,
    Rc2,
    Rijndael128,
    Rijndael192,
    Rijndael256,
    Serpent,
    Gost,
    SaferPlus,
}

impl Method {
    pub const ALL: [Method; 17] = [
        Method::None,
        Method::Xor,
        Method::Des,
        Method::TripleDes,
        Method::Cast128,
        Method::Cast256,
        Method::Xtea,
        Method::Blowfish,
        Method::Twofish,
        Method::Loki97,
        Method::Rc2,
        Method::Rijndael128,
        Method::Rijndael192,
        Method::Rijndael256,
        Method::Serpent,
        Method::Gost,
        Method::SaferPlus,
    ];

    /// The `encryption_method` number of the config file.
    pub fn number(self) -> u8 {
        use Method::*;
        match self {
            None => 0,
            Xor => 1,
            Des => 2,
            TripleDes => 3,
            Cast128 => 4,
            Cast256 => 5,
            Xtea => 6,
            Blowfish => 8,
            Twofish => 9,
            Loki97 => 10,
            Rc2 => 11,
            Rijndael128 => 14,
            Rijndael192 => 15,
            Rijndael256 => 16,
            Serpent => 20,
            Gost => 23,
            SaferPlus => 26,
        }
    }

    /// libmcrypt's name of the algorithm.
    pub fn name(self) -> &'static str {
        use Method::*;
        match self {
            None => "none",
            Xor => "xor",
            Des => "des",
            TripleDes => "tripledes",
            Cast128 => "cast-128",
            Cast256 => "cast-256",
            Xtea => "xtea",
            Blowfish => "blowfish",
            Twofish => "twofish",
            Loki97 => "loki97",
            Rc2 => "rc2",
            Rijndael128 => "rijndael-128",
            Rijndael192 => "rijndael-192",
            Rijndael256 => "rijndael-256",
            Serpent => "serpent",
            Gost => "gost",
            SaferPlus => "saferplus",
        }
    }

    /// The method with this number, or why it cannot be used.
    pub fn from_number(number: i64) -> Result<Method, String> {
        if let Some(method) = Method::ALL.iter().find(|m| i64::from(m.number()) == number) {
            return Ok(*method);
        }
        let why = match number {
            7 => "3-WAY is not available in the daemon's libmcrypt",
            12 => "ARCFOUR is a stream cipher the daemon cannot open in CFB mode",
            19 => "WAKE is a stream cipher the daemon cannot open in CFB mode",
            22 => "ENIGMA is a stream cipher the daemon cannot open in CFB mode",
            24 | 25 => "SAFER-SK is not available in the daemon's libmcrypt",
            13 | 17 | 18 | 21 => "the daemon has no cipher for this number",
            _ => "not an NSCA encryption method (0-26)",
        };
        Err(format!("encryption method {number} cannot be used: {why}"))
    }

    /// libmcrypt's maximum key size: the password is cut or zero-padded to it.
    pub fn key_size(self) -> usize {
        use Method::*;
        match self {
            None | Xor => 0,
            Des => 8,
            Cast128 | Xtea => 16,
            TripleDes => 24,
            Blowfish => 56,
            Rc2 => 128,
            _ => 32,
        }
    }

    /// The CFB stream of the keyed block cipher, or `None` for methods 0 and 1.
    fn cfb_stream(self, key: &[u8], iv: &[u8]) -> Option<Box<dyn ByteStream>> {
        use Method::*;
        Some(match self {
            None | Xor => return Option::None,
            Des => cfb(des::Des::single(key), iv),
            TripleDes => cfb(des::Des::triple(key), iv),
            Loki97 => cfb(loki97::Loki97::new(key), iv),
            Rijndael192 => cfb(rijndael::Rijndael::<6>::new(key), iv),
            Rijndael256 => cfb(rijndael::Rijndael::<8>::new(key), iv),
            SaferPlus => cfb(saferplus::SaferPlus::new(key), iv),
            Twofish => cfb(twofish::Twofish::new(key), iv),
            crate_backed => rustcrypto::cfb_stream(crate_backed, key, iv),
        })
    }
}

/// An encryption that carries its state from one packet to the next.
pub trait ByteStream: Send {
    fn encrypt(&mut self, data: &mut [u8]);
}

/// 8-bit cipher feedback as libmcrypt's "cfb" mode does it: each byte is
/// XORed with the first byte of E(register), then shifted into the register.
/// Generic over the cipher, so the per-byte work is inlined; the dynamic
/// call happens once per packet.
pub struct Cfb8<C> {
    cipher: C,
    /// The register is `window[start..start + block]`; new bytes go after
    /// it, and the window slides back only once per block, not per byte.
    window: Vec<u8>,
    start: usize,
}

/// The CFB stream of `cipher`, starting from the first block of `iv`.
pub fn cfb<C: BlockEncrypt + 'static>(cipher: C, iv: &[u8]) -> Box<dyn ByteStream> {
    Box::new(Cfb8::new(cipher, iv))
}

impl<C: BlockEncrypt> Cfb8<C> {
    /// `iv` must hold at least one block; only the first block is used.
    pub fn new(cipher: C, iv: &[u8]) -> Cfb8<C> {
        let size = cipher.block_size();
        let mut window = vec![0; 2 * size];
        window[..size].copy_from_slice(&iv[..size]);
        Cfb8 {
            cipher,
            window,
            start: 0,
        }
    }
}

impl<C: BlockEncrypt> ByteStream for Cfb8<C> {
    fn encrypt(&mut self, data: &mut [u8]) {
        let size = self.cipher.block_size();
        for byte in data {
            let register = &self.window[self.start..self.start + size];
            *byte ^= self.cipher.encrypt_first_byte(register);
            self.window[self.start + size] = *byte;
            self.start += 1;
            if self.start == size {
                self.window.copy_within(size.., 0);
                self.start = 0;
            }
        }
    }
}

/// The encryption state of one connection.
pub enum Encryptor {
    Plain,
    /// XOR restarts at byte 0 of the IV and of the password for every packet.
    Xor {
        iv: [u8; IV_SIZE],
        password: Vec<u8>,
    },
    Cfb(Box<dyn ByteStream>),
}

impl Encryptor {
    pub fn new(method: Method, password: &[u8], iv: &[u8; IV_SIZE]) -> Encryptor {
        // The daemon treats the password as a C string.
        let password = password.split(|&b| b == 0).next().unwrap_or_default();
        match method {
            Method::None => Encryptor::Plain,
            Method::Xor => Encryptor::Xor {
                iv: *iv,
                password: password.to_vec(),
            },
            cipher => {
                let mut key = vec![0u8; cipher.key_size()];
                let n = password.len().min(key.len());
                key[..n].copy_from_slice(&password[..n]);
                let stream = cipher
                    .cfb_stream(&key, iv)
                    .expect("every method but none and xor has a block cipher");
                Encryptor::Cfb(stream)
            }
        }
    }

    /// Encrypts one whole packet in place.
    pub fn encrypt_packet(&mut self, packet: &mut [u8]) {
        match self {
            Encryptor::Plain => {}
            Encryptor::Xor { iv, password } => {
                for (byte, k) in packet.iter_mut().zip(iv.iter().cycle()) {
                    *byte ^= k;
                }
                if !password.is_empty() {
                    for (byte, k) in packet.iter_mut().zip(password.iter().cycle()) {
                        *byte ^= k;
                    }
                }
            }
            Encryptor::Cfb(cfb) => cfb.encrypt(packet),
        }
    }
}

/// Reverses the bytes of every 32-bit word: libmcrypt loads some ciphers'
/// words in the machine's (little-endian) order where the crates use big-endian.
pub(crate) fn swap_words(bytes: &mut [u8]) {
    for word in bytes.chunks_exact_mut(4) {
        word.reverse();
    }
}

#[cfg(test)]
mod tests;
