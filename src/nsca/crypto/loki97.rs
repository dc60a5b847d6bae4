//! LOKI97 (Brown, Pieprzyk, Seberry; an AES candidate) as libmcrypt runs it:
//! 256-bit key, and the block and key read as little-endian 32-bit words,
//! which differs from the published big-endian test vectors.

use super::BlockEncrypt;

const DELTA: u64 = 0x9e37_79b9_7f4a_7c15;
const ROUNDS: usize = 16;

/// Multiplication in GF(2^bits) modulo `poly`.
const fn gf_mul(mut a: u32, mut b: u32, bits: u32, poly: u32) -> u32 {
    let mut product = 0;
    while b != 0 {
        if b & 1 != 0 {
            product ^= a;
        }
        b >>= 1;
        a <<= 1;
        if a & (1 << bits) != 0 {
            a ^= poly;
        }
    }
    product
}

/// S-box of `bits` input bits: the cube of the complemented input in
/// GF(2^bits), keeping the low 8 bits.
const fn sbox<const N: usize>(bits: u32, poly: u32) -> [u8; N] {
    let mut table = [0u8; N];
    let mask = (1u32 << bits) - 1;
    let mut i = 0;
    while i < N {
        let x = i as u32 ^ mask;
        table[i] = gf_mul(gf_mul(x, x, bits, poly), x, bits, poly) as u8;
        i += 1;
    }
    table
}

static S1: [u8; 1 << 13] = sbox::<{ 1 << 13 }>(13, 0x2911);
static S2: [u8; 1 << 11] = sbox::<{ 1 << 11 }>(11, 0xaa7);

/// Looks `x` up in S1 (13-bit input) or S2 (11-bit input).
fn s(first: bool, x: u64) -> u64 {
    if first {
        u64::from(S1[(x & 0x1fff) as usize])
    } else {
        u64::from(S2[(x & 0x7ff) as usize])
    }
}

/// Which S-box each of the 8 lookups of a layer uses (true = S1).
const FIRST_LAYER: [(bool, u32); 8] = [
    // (S-box, lowest input bit); E takes 13 or 11 bits from there, wrapping.
    (true, 56),
    (false, 48),
    (true, 40),
    (false, 32),
    (false, 24),
    (true, 16),
    (false, 8),
    (true, 0),
];
const SECOND_LAYER: [bool; 8] = [true, true, false, false, true, true, false, false];

/// The round function f(A, B).
fn f(a: u64, b: u64) -> u64 {
    // KP: the low 32 bits of B choose which bits of A's halves swap, as a
    // swap-move (`swap` marks the chosen bits where the halves differ).
    let swap = (a ^ (a >> 32)) & (b & 0xffff_ffff);
    let t = a ^ swap ^ (swap << 32);

    // E + first S layer, then P: lookup `n`'s bit b goes to bit 8b + n, so
    // P is each lookup's SPREAD shifted by n (two small tables, no bit loop).
    let mut permuted = 0u64;
    for (n, &(first, low_bit)) in FIRST_LAYER.iter().enumerate() {
        permuted |= SPREAD[s(first, t.rotate_right(low_bit)) as usize] << n;
    }

    // Second S layer: each byte of P, topped with the next bits of B's high half.
    let mut key_bits = b >> 32;
    let mut result = 0u64;
    for (n, &first) in SECOND_LAYER.iter().enumerate() {
        let width = if first { 5 } else { 3 };
        let top = key_bits & ((1 << width) - 1);
        key_bits >>= width;
        let byte = (permuted >> (8 * n)) & 0xff;
        result |= s(first, byte | (top << 8)) << (8 * n);
    }
    result
}

/// P: bit `b` of byte `n` goes to bit 8b + n, which is the transpose of
/// the 8x8 bit matrix, done by three swap-moves. Used to build SPREAD.
const fn p(mut x: u64) -> u64 {
    let mut t = (x ^ (x >> 7)) & 0x00aa_00aa_00aa_00aa;
    x ^= t ^ (t << 7);
    t = (x ^ (x >> 14)) & 0x0000_cccc_0000_cccc;
    x ^= t ^ (t << 14);
    t = (x ^ (x >> 28)) & 0x0000_0000_f0f0_f0f0;
    x ^ t ^ (t << 28)
}

/// Bit b of the index moved to bit 8b: P for a byte in lookup position 0.
static SPREAD: [u64; 256] = {
    let mut table = [0u64; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = p(i as u64);
        i += 1;
    }
    table
};

fn word(bytes: &[u8], index: usize) -> u64 {
    let at = 4 * index;
    u64::from(u32::from_le_bytes([
        bytes[at],
        bytes[at + 1],
        bytes[at + 2],
        bytes[at + 3],
    ]))
}

/// Two little-endian words as one 64-bit value, the first one high.
fn pair(bytes: &[u8], first: usize) -> u64 {
    (word(bytes, first) << 32) | word(bytes, first + 1)
}

pub(super) struct Loki97 {
    subkeys: [u64; 3 * ROUNDS],
}

impl Loki97 {
    /// `key` is 32 bytes.
    pub(super) fn new(key: &[u8]) -> Loki97 {
        let mut k = [pair(key, 0), pair(key, 2), pair(key, 4), pair(key, 6)];
        // k[0] = K4, k[1] = K3, k[2] = K2, k[3] = K1 in the paper's names.
        let mut subkeys = [0u64; 3 * ROUNDS];
        let mut delta = DELTA;
        for subkey in subkeys.iter_mut() {
            let input = k[3].wrapping_add(k[1]).wrapping_add(delta);
            delta = delta.wrapping_add(DELTA);
            let next = k[0] ^ f(input, k[2]);
            k = [k[1], k[2], k[3], next];
            *subkey = next;
        }
        Loki97 { subkeys }
    }

    /// The encrypted block as (words 0-1, words 2-3).
    fn encrypt(&self, block: &[u8]) -> (u64, u64) {
        // `right` holds words 0-1, `left` words 2-3; the first round works on `left`.
        let mut right = pair(block, 0);
        let mut left = pair(block, 2);
        for keys in self.subkeys.chunks_exact(3) {
            left = left.wrapping_add(keys[0]);
            right ^= f(left, keys[1]);
            left = left.wrapping_add(keys[2]);
            std::mem::swap(&mut left, &mut right);
        }
        // After an even number of swaps the names are back where they started.
        (left, right)
    }
}

impl BlockEncrypt for Loki97 {
    fn block_size(&self) -> usize {
        16
    }

    fn encrypt_block(&self, block: &mut [u8]) {
        let (left, right) = self.encrypt(block);
        let words = [left >> 32, left, right >> 32, right];
        for (out, w) in block.chunks_exact_mut(4).zip(words) {
            out.copy_from_slice(&(w as u32).to_le_bytes());
        }
    }

    fn encrypt_first_byte(&self, block: &[u8]) -> u8 {
        // Output byte 0 is the low byte of the first word, `left`'s high half.
        (self.encrypt(block).0 >> 32) as u8
    }
}

#[cfg(test)]
mod tests {
    use super::p;

    /// P the way the specification states it, one bit at a time.
    fn p_bitwise(x: u64) -> u64 {
        let mut out = 0;
        for n in 0..8 {
            for bit in 0..8 {
                out |= ((x >> (8 * n + bit)) & 1) << (8 * bit + n);
            }
        }
        out
    }

    #[test]
    fn swap_moves_are_the_p_permutation() {
        let mut x = 0x0123_4567_89ab_cdefu64;
        for _ in 0..5000 {
            assert_eq!(p(x), p_bitwise(x), "{x:#x}");
            // xorshift: cheap varied inputs
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
        }
        for bit in 0..64 {
            assert_eq!(p(1 << bit), p_bitwise(1 << bit));
        }
    }
}
