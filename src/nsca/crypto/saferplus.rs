//! SAFER+ (Cylink; an AES candidate) as libmcrypt runs it: 256-bit key,
//! 16 rounds, with the 32-bit words of the block and of the key taken in
//! reverse order.

use super::BlockEncrypt;

const ROUNDS: usize = 16;
const KEY_BYTES: usize = 32;

/// exp[i] = 45^i mod 257 (256 stored as 0) and its inverse.
const EXP: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut value: u32 = 1;
    let mut i = 0;
    while i < 256 {
        table[i] = (value & 0xff) as u8;
        value = value * 45 % 257;
        i += 1;
    }
    table
};
const LOG: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        table[EXP[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// Bytes 0 and 3 of every 4 take "exp after XOR, then add"; bytes 1 and 2
/// "log after add, then XOR".
fn is_xor_byte(i: usize) -> bool {
    matches!(i % 4, 0 | 3)
}

/// The four pseudo-Hadamard layers with the Armenian shuffle folded into
/// their pairs: for (a, b), x[b] += x[a] then x[a] += x[b].
const PHT_LAYERS: [[(usize, usize); 8]; 4] = [
    [
        (0, 1),
        (2, 3),
        (4, 5),
        (6, 7),
        (8, 9),
        (10, 11),
        (12, 13),
        (14, 15),
    ],
    [
        (0, 7),
        (2, 1),
        (4, 3),
        (6, 5),
        (8, 11),
        (10, 9),
        (12, 15),
        (14, 13),
    ],
    [
        (0, 3),
        (2, 15),
        (4, 7),
        (6, 1),
        (8, 5),
        (10, 13),
        (12, 11),
        (14, 9),
    ],
    [
        (0, 13),
        (2, 5),
        (4, 9),
        (6, 11),
        (8, 15),
        (10, 1),
        (12, 3),
        (14, 7),
    ],
];
/// The shuffle that ends a round: new[i] = old[SHUFFLE[i]].
const SHUFFLE: [usize; 16] = [14, 7, 8, 15, 0, 13, 6, 11, 4, 9, 2, 5, 10, 1, 12, 3];

/// Reverses the order of the 32-bit words, keeping each word's bytes.
fn reverse_words(bytes: &mut [u8]) {
    bytes.reverse();
    super::swap_words(bytes);
}

const SUBKEYS: usize = 2 * ROUNDS + 1;

pub(super) struct SaferPlus {
    subkeys: [[u8; 16]; SUBKEYS],
    /// The SIMD paths (SSSE3, and AVX-512 VBMI if present), detected once
    /// here rather than per block; `None` means the scalar path.
    #[cfg(target_arch = "x86_64")]
    simd: Option<x86::Keys>,
}

impl SaferPlus {
    /// `key` is 32 bytes.
    pub(super) fn new(key: &[u8]) -> SaferPlus {
        let subkeys = Self::schedule(key);
        SaferPlus {
            subkeys,
            #[cfg(target_arch = "x86_64")]
            simd: is_x86_feature_detected!("ssse3").then(|| x86::Keys::new(&subkeys)),
        }
    }

    fn schedule(key: &[u8]) -> [[u8; 16]; SUBKEYS] {
        let mut register = [0u8; KEY_BYTES + 1];
        register[..KEY_BYTES].copy_from_slice(key);
        reverse_words(&mut register[..KEY_BYTES]);
        register[KEY_BYTES] = register[..KEY_BYTES].iter().fold(0, |a, b| a ^ b);

        let mut subkeys = [[0u8; 16]; SUBKEYS];
        subkeys[0].copy_from_slice(&register[..16]);
        for i in 0..KEY_BYTES {
            for byte in register.iter_mut() {
                *byte = byte.rotate_left(3);
            }
            for (j, out) in subkeys[i + 1].iter_mut().enumerate() {
                let index = (17 * i + 35 + j) & 0xff;
                let bias = if i < 16 {
                    EXP[EXP[index] as usize]
                } else {
                    EXP[index]
                };
                *out = register[(i + 1 + j) % (KEY_BYTES + 1)].wrapping_add(bias);
            }
        }
        subkeys
    }

    fn round(x: &mut [u8; 16], k1: &[u8; 16], k2: &[u8; 16]) {
        for i in 0..16 {
            x[i] = if is_xor_byte(i) {
                EXP[(x[i] ^ k1[i]) as usize].wrapping_add(k2[i])
            } else {
                LOG[x[i].wrapping_add(k1[i]) as usize] ^ k2[i]
            };
        }
        for layer in &PHT_LAYERS {
            for &(a, b) in layer {
                x[b] = x[b].wrapping_add(x[a]);
                x[a] = x[a].wrapping_add(x[b]);
            }
        }
        let before = *x;
        for (out, &from) in x.iter_mut().zip(&SHUFFLE) {
            *out = before[from];
        }
    }

    /// The portable path, byte by byte.
    fn encrypt_scalar(&self, x: &mut [u8; 16]) {
        reverse_words(x);
        for r in 0..ROUNDS {
            Self::round(x, &self.subkeys[2 * r], &self.subkeys[2 * r + 1]);
        }
        let last = &self.subkeys[2 * ROUNDS];
        for i in 0..16 {
            x[i] = if is_xor_byte(i) {
                x[i] ^ last[i]
            } else {
                x[i].wrapping_add(last[i])
            };
        }
        reverse_words(x);
    }
}

/// The EXP or LOG of each byte of a half block (two words, so the same
/// byte pattern as the whole block).
#[cfg(target_arch = "x86_64")]
fn lookup_half(u: u64) -> u64 {
    let mut out = 0;
    for i in 0..8 {
        let byte = (u >> (8 * i)) as u8 as usize;
        let t = if is_xor_byte(i) { EXP[byte] } else { LOG[byte] };
        out |= u64::from(t) << (8 * i);
    }
    out
}

/// The round on one 128-bit register: key additions, the pseudo-Hadamard
/// layers and the shuffles are SIMD; the table lookups are scalar, or SIMD
/// too with AVX-512 VBMI. CFB-8 chains every block on the one before, so
/// what counts is the latency of a round, not throughput.
#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{EXP, LOG, PHT_LAYERS, ROUNDS, SHUFFLE, SUBKEYS, is_xor_byte, lookup_half};
    use core::arch::x86_64::*;

    /// The subkeys split by the operation that uses each byte, so that
    /// "XOR or add" per byte becomes one XOR and one add over all bytes
    /// (the other operand being 0).
    pub(super) struct Keys {
        /// Per round: k1 XOR part, k1 add part, k2 add part, k2 XOR part.
        rounds: [[[u8; 16]; 4]; ROUNDS],
        /// The last subkey's XOR and add parts.
        last: [[u8; 16]; 2],
        /// The CPU can do the lookups in SIMD too ([`encrypt_vbmi`]).
        pub vbmi: bool,
    }

    pub(super) fn has_vbmi() -> bool {
        is_x86_feature_detected!("avx512f")
            && is_x86_feature_detected!("avx512bw")
            && is_x86_feature_detected!("avx512vl")
            && is_x86_feature_detected!("avx512vbmi")
    }

    fn split(key: &[u8; 16]) -> ([u8; 16], [u8; 16]) {
        let mut xor = [0u8; 16];
        let mut add = [0u8; 16];
        for i in 0..16 {
            if is_xor_byte(i) {
                xor[i] = key[i];
            } else {
                add[i] = key[i];
            }
        }
        (xor, add)
    }

    impl Keys {
        pub(super) fn new(subkeys: &[[u8; 16]; SUBKEYS]) -> Keys {
            let mut rounds = [[[0u8; 16]; 4]; ROUNDS];
            for (r, round) in rounds.iter_mut().enumerate() {
                let (k1x, k1a) = split(&subkeys[2 * r]);
                // The bytes that XOR k1 add k2, and the other way round.
                let (k2a, k2x) = split(&subkeys[2 * r + 1]);
                *round = [k1x, k1a, k2a, k2x];
            }
            let (lx, la) = split(&subkeys[2 * ROUNDS]);
            Keys {
                rounds,
                last: [lx, la],
                vbmi: has_vbmi(),
            }
        }
    }

    /// pshufb controls that gather each layer's pairs (a, b) into lanes
    /// (2k, 2k + 1), given where the previous layers left each byte; the
    /// last one is the round's final shuffle back to byte order.
    const GATHER: [[u8; 16]; 4] = {
        let mut out = [[0u8; 16]; 4];
        // lane[p] = the lane that holds byte p of the scalar state.
        let mut lane = [0usize; 16];
        let mut p = 0;
        while p < 16 {
            lane[p] = p;
            p += 1;
        }
        let mut layer = 1;
        while layer < 4 {
            let mut k = 0;
            while k < 8 {
                let (a, b) = PHT_LAYERS[layer][k];
                out[layer - 1][2 * k] = lane[a] as u8;
                out[layer - 1][2 * k + 1] = lane[b] as u8;
                k += 1;
            }
            k = 0;
            while k < 8 {
                let (a, b) = PHT_LAYERS[layer][k];
                lane[a] = 2 * k;
                lane[b] = 2 * k + 1;
                k += 1;
            }
            layer += 1;
        }
        let mut i = 0;
        while i < 16 {
            out[3][i] = lane[SHUFFLE[i]] as u8;
            i += 1;
        }
        out
    };

    /// The first layer needs no gather: its pairs are already adjacent.
    const _: () = {
        let mut k = 0;
        while k < 8 {
            assert!(PHT_LAYERS[0][k].0 == 2 * k && PHT_LAYERS[0][k].1 == 2 * k + 1);
            k += 1;
        }
    };

    /// libmcrypt's word order, as a pshufb control.
    const REVERSE_WORDS: [u8; 16] = [12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3];

    #[inline(always)]
    fn load(bytes: &[u8; 16]) -> __m128i {
        // SAFETY: `bytes` is 16 readable bytes; loadu has no alignment need.
        unsafe { _mm_loadu_si128(bytes.as_ptr().cast()) }
    }

    /// The pseudo-Hadamard transform of every pair (lo, hi) of a 16-bit
    /// lane: hi += lo, then lo += hi. The shifts bring in zeros, so each
    /// byte add touches only the byte it means to.
    #[inline]
    #[target_feature(enable = "ssse3")]
    fn pht(x: __m128i) -> __m128i {
        let x = _mm_add_epi8(x, _mm_slli_epi16(x, 8));
        _mm_add_epi8(x, _mm_srli_epi16(x, 8))
    }

    #[target_feature(enable = "ssse3")]
    pub(super) fn encrypt(keys: &Keys, block: &mut [u8; 16]) {
        // SAFETY: this function runs only where SSSE3 is available.
        unsafe {
            rounds(keys, block, |u| {
                let lo = _mm_cvtsi128_si64(u) as u64;
                let hi = _mm_cvtsi128_si64(_mm_unpackhi_epi64(u, u)) as u64;
                _mm_set_epi64x(lookup_half(hi) as i64, lookup_half(lo) as i64)
            })
        }
    }

    /// EXP and LOG as 128-byte halves, for vpermi2b.
    const TABLES: [[u8; 64]; 8] = {
        let mut out = [[0u8; 64]; 8];
        let mut i = 0;
        while i < 256 {
            out[i / 64][i % 64] = EXP[i];
            out[4 + i / 64][i % 64] = LOG[i];
            i += 1;
        }
        out
    };

    /// The lanes that take EXP (bytes 0 and 3 of each word).
    const EXP_LANES: u16 = 0x9999;

    /// With AVX-512 VBMI the table lookups stay in the vector unit too: a
    /// two-register byte permute looks up 128 entries at once, so a whole
    /// round never leaves SIMD.
    #[target_feature(enable = "ssse3,avx512f,avx512bw,avx512vl,avx512vbmi")]
    pub(super) fn encrypt_vbmi(keys: &Keys, block: &mut [u8; 16]) {
        // SAFETY: each table row is 64 readable bytes; loadu has no
        // alignment need.
        let t = TABLES.map(|row| unsafe { _mm512_loadu_si512(row.as_ptr().cast()) });
        let exp_lanes = EXP_LANES as __mmask16;
        // SAFETY: this function runs only where these features are available.
        unsafe {
            rounds(keys, block, |u| {
                let idx = _mm512_castsi128_si512(u);
                // Bit 7 of each index picks the table's upper half.
                let upper = _mm512_movepi8_mask(idx);
                let exp = _mm512_mask_blend_epi8(
                    upper,
                    _mm512_permutex2var_epi8(t[0], idx, t[1]),
                    _mm512_permutex2var_epi8(t[2], idx, t[3]),
                );
                let log = _mm512_mask_blend_epi8(
                    upper,
                    _mm512_permutex2var_epi8(t[4], idx, t[5]),
                    _mm512_permutex2var_epi8(t[6], idx, t[7]),
                );
                _mm_mask_blend_epi8(
                    exp_lanes,
                    _mm512_castsi512_si128(log),
                    _mm512_castsi512_si128(exp),
                )
            })
        }
    }

    /// The whole block, with `lookup` doing the EXP/LOG layer.
    ///
    /// # Safety
    /// The CPU must have SSSE3.
    #[inline(always)]
    unsafe fn rounds(keys: &Keys, block: &mut [u8; 16], lookup: impl Fn(__m128i) -> __m128i) {
        // SAFETY: the caller guarantees SSSE3; loads and stores are unaligned.
        unsafe {
            let gather = GATHER.map(|g| load(&g));
            let reverse = load(&REVERSE_WORDS);
            let mut x = _mm_shuffle_epi8(load(block), reverse);
            for round in &keys.rounds {
                let [k1x, k1a, k2a, k2x] = round.map(|k| load(&k));
                let u = _mm_add_epi8(_mm_xor_si128(x, k1x), k1a);
                x = _mm_xor_si128(_mm_add_epi8(lookup(u), k2a), k2x);
                x = pht(x);
                x = pht(_mm_shuffle_epi8(x, gather[0]));
                x = pht(_mm_shuffle_epi8(x, gather[1]));
                x = pht(_mm_shuffle_epi8(x, gather[2]));
                x = _mm_shuffle_epi8(x, gather[3]);
            }
            let [lx, la] = keys.last.map(|k| load(&k));
            x = _mm_add_epi8(_mm_xor_si128(x, lx), la);
            x = _mm_shuffle_epi8(x, reverse);
            _mm_storeu_si128(block.as_mut_ptr().cast(), x)
        }
    }
}

impl BlockEncrypt for SaferPlus {
    fn block_size(&self) -> usize {
        16
    }

    fn encrypt_block(&self, block: &mut [u8]) {
        let block: &mut [u8; 16] = block.try_into().expect("a 16-byte block");
        #[cfg(target_arch = "x86_64")]
        if let Some(keys) = &self.simd {
            if keys.vbmi {
                // SAFETY: `vbmi` is only set when the CPU has AVX-512 VBMI
                // (and `simd` only with SSSE3).
                unsafe { x86::encrypt_vbmi(keys, block) };
            } else {
                // SAFETY: `simd` is only set when the CPU has SSSE3.
                unsafe { x86::encrypt(keys, block) };
            }
            return;
        }
        self.encrypt_scalar(block);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Chains many blocks (each output is the next input) so that any
    /// difference between the paths would carry forward.
    #[test]
    fn simd_and_scalar_paths_agree() {
        for seed in 0..5u8 {
            let key: Vec<u8> = (0..32)
                .map(|i| seed.wrapping_mul(71) ^ (i * 37) as u8)
                .collect();
            let cipher = SaferPlus::new(&key);
            let mut scalar = [seed; 16];
            let mut default = scalar;
            #[cfg(target_arch = "x86_64")]
            let (mut ssse3, mut vbmi) = (scalar, scalar);
            for _ in 0..3000 {
                cipher.encrypt_scalar(&mut scalar);
                cipher.encrypt_block(&mut default);
                assert_eq!(scalar, default, "key {seed}");
                #[cfg(target_arch = "x86_64")]
                if let Some(keys) = &cipher.simd {
                    // SAFETY: `simd` is only set when the CPU has SSSE3.
                    unsafe { x86::encrypt(keys, &mut ssse3) };
                    assert_eq!(scalar, ssse3, "SSSE3, key {seed}");
                    if x86::has_vbmi() {
                        // SAFETY: just checked that the CPU has AVX-512 VBMI.
                        unsafe { x86::encrypt_vbmi(keys, &mut vbmi) };
                        assert_eq!(scalar, vbmi, "VBMI, key {seed}");
                    }
                }
            }
        }
    }
}
