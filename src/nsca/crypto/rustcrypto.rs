//! The block ciphers taken from RustCrypto crates, with the byte-order shims
//! that make them match libmcrypt (see the golden data's README).

use super::{BlockEncrypt, ByteStream, Method, cfb, swap_words};
use cipher::typenum::Unsigned;
use cipher::{Block, BlockCipherEncrypt, BlockSizeUser, KeyInit};

/// A crate cipher used as it is.
struct Plain<C>(C);

impl<C: BlockCipherEncrypt + Send> BlockEncrypt for Plain<C> {
    fn block_size(&self) -> usize {
        <C as BlockSizeUser>::BlockSize::USIZE
    }

    fn encrypt_block(&self, block: &mut [u8]) {
        encrypt_slice(&self.0, block);
    }
}

/// A crate cipher whose 32-bit words libmcrypt reads little-endian: swap the
/// bytes of every word going in and coming out (the key is swapped once).
struct WordSwapped<C>(C);

impl<C: BlockCipherEncrypt + Send> BlockEncrypt for WordSwapped<C> {
    fn block_size(&self) -> usize {
        <C as BlockSizeUser>::BlockSize::USIZE
    }

    fn encrypt_block(&self, block: &mut [u8]) {
        swap_words(block);
        encrypt_slice(&self.0, block);
        swap_words(block);
    }
}

fn encrypt_slice<C: BlockCipherEncrypt>(cipher: &C, block: &mut [u8]) {
    let block: &mut Block<C> = block.try_into().expect("CFB passes whole blocks");
    cipher.encrypt_block(block);
}

/// libmcrypt's GOST S-boxes (those of Schneier's "Applied Cryptography"),
/// row k1 first: row 0 substitutes the lowest nibble.
enum LibmcryptSbox {}

impl magma::Sbox for LibmcryptSbox {
    const NAME: &'static str = "libmcrypt";
    const SBOX: [[u8; 16]; 8] = [
        [1, 15, 13, 0, 5, 7, 10, 4, 9, 2, 3, 14, 6, 11, 8, 2],
        [13, 11, 4, 1, 3, 15, 5, 9, 0, 10, 14, 7, 6, 8, 2, 12],
        [4, 11, 10, 0, 7, 2, 1, 13, 3, 6, 8, 5, 9, 12, 15, 14],
        [6, 12, 7, 1, 5, 15, 13, 8, 4, 10, 9, 14, 0, 3, 11, 2],
        [7, 13, 10, 1, 0, 8, 9, 15, 14, 4, 6, 12, 11, 2, 5, 3],
        [5, 8, 1, 13, 10, 3, 4, 2, 14, 15, 12, 7, 6, 0, 9, 11],
        [14, 11, 4, 12, 6, 13, 15, 10, 2, 3, 8, 1, 0, 7, 5, 9],
        [4, 10, 9, 2, 13, 8, 0, 14, 6, 11, 1, 12, 7, 15, 5, 3],
    ];
}

/// libmcrypt's GOST starts the rounds on the first half and writes the halves
/// back swapped relative to `magma`.
struct Gost(magma::Gost89<LibmcryptSbox>);

impl BlockEncrypt for Gost {
    fn block_size(&self) -> usize {
        8
    }

    fn encrypt_block(&self, block: &mut [u8]) {
        block.rotate_left(4);
        encrypt_slice(&self.0, block);
        block.rotate_left(4);
    }
}

fn plain<C>(key: &[u8], iv: &[u8]) -> Box<dyn ByteStream>
where
    C: KeyInit + BlockCipherEncrypt + Send + 'static,
{
    let cipher = C::new_from_slice(key).expect("key has the algorithm's size");
    cfb(Plain(cipher), iv)
}

fn swapped<C>(key: &[u8], iv: &[u8]) -> Box<dyn ByteStream>
where
    C: KeyInit + BlockCipherEncrypt + Send + 'static,
{
    let mut key = key.to_vec();
    swap_words(&mut key);
    let cipher = C::new_from_slice(&key).expect("key has the algorithm's size");
    cfb(WordSwapped(cipher), iv)
}

/// The CFB stream of a crate-backed method. `key` has `method.key_size()` bytes.
pub(super) fn cfb_stream(method: Method, key: &[u8], iv: &[u8]) -> Box<dyn ByteStream> {
    match method {
        Method::Cast128 => plain::<cast5::Cast5>(key, iv),
        Method::Cast256 => swapped::<cast6::Cast6>(key, iv),
        Method::Xtea => swapped::<xtea::Xtea>(key, iv),
        Method::Blowfish => plain::<blowfish::Blowfish>(key, iv),
        Method::Rc2 => plain::<rc2::Rc2>(key, iv),
        Method::Rijndael128 => plain::<aes::Aes256>(key, iv),
        Method::Serpent => plain::<serpent::Serpent>(key, iv),
        Method::Gost => {
            let mut key = key.to_vec();
            swap_words(&mut key);
            let cipher = <magma::Gost89<LibmcryptSbox> as KeyInit>::new_from_slice(&key)
                .expect("GOST takes a 32-byte key");
            cfb(Gost(cipher), iv)
        }
        other => unreachable!("{} is not crate-backed", other.name()),
    }
}
