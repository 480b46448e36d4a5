//! Four-lane `f32` vectors for the kernels: wasm `v128` where the target has SIMD, arrays that
//! the compiler maps onto vector registers elsewhere. A multiply-add rounds twice, after the
//! product and after the sum, except in a wasm build with relaxed SIMD: there the engine may
//! fuse it into one instruction that rounds once, as V8 does on x86-64 with FMA.

pub use imp::*;

/// Adds `vector` to `values[at..at + 4]`.
#[inline(always)]
pub fn add_into(values: &mut [f32], at: usize, vector: F4) {
    let four = &mut values[at..at + 4];
    // SAFETY: `four` contains the four values read and written.
    unsafe { store(four, 0, add(load(four, 0), vector)) }
}

/// Returns the sum of `values`, in two vectors of four lanes.
pub fn sum_slice(values: &[f32]) -> f32 {
    let mut chunks = values.chunks_exact(8);
    let mut acc = [zero(); 2];
    for chunk in chunks.by_ref() {
        // SAFETY: a chunk contains eight values.
        unsafe {
            acc[0] = add(acc[0], load(chunk, 0));
            acc[1] = add(acc[1], load(chunk, 4));
        }
    }
    sum(add(acc[0], acc[1])) + chunks.remainder().iter().sum::<f32>()
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod imp {
    use core::arch::wasm32::*;

    /// Four `f32` lanes.
    pub type F4 = v128;

    #[inline(always)]
    pub fn zero() -> F4 {
        f32x4_splat(0.0)
    }

    #[inline(always)]
    pub fn splat(value: f32) -> F4 {
        f32x4_splat(value)
    }

    #[inline(always)]
    pub fn add(a: F4, b: F4) -> F4 {
        f32x4_add(a, b)
    }

    /// Returns `acc + a * b`, rounded after the product and after the sum.
    #[cfg(not(target_feature = "relaxed-simd"))]
    #[inline(always)]
    pub fn mul_add(acc: F4, a: F4, b: F4) -> F4 {
        f32x4_add(acc, f32x4_mul(a, b))
    }

    /// Returns `acc + a * b`, fused where the machine has fused multiply-add.
    #[cfg(target_feature = "relaxed-simd")]
    #[inline(always)]
    pub fn mul_add(acc: F4, a: F4, b: F4) -> F4 {
        f32x4_relaxed_madd(a, b, acc)
    }

    /// Returns the sum of the four lanes, as `(l0 + l2) + (l1 + l3)`.
    #[inline(always)]
    pub fn sum(v: F4) -> f32 {
        let pairs = f32x4_add(v, i32x4_shuffle::<2, 3, 0, 1>(v, v));
        f32x4_extract_lane::<0>(pairs) + f32x4_extract_lane::<1>(pairs)
    }

    /// Loads `values[at..at + 4]`.
    ///
    /// # Safety
    /// `at + 4` must not exceed `values.len()`.
    #[inline(always)]
    pub unsafe fn load(values: &[f32], at: usize) -> F4 {
        // SAFETY: the caller keeps the four values inside `values`; wasm loads need no
        // alignment.
        unsafe { v128_load(values.as_ptr().add(at).cast()) }
    }

    /// Stores `vector` into `values[at..at + 4]`.
    ///
    /// # Safety
    /// As for [`load`].
    #[inline(always)]
    pub unsafe fn store(values: &mut [f32], at: usize, vector: F4) {
        // SAFETY: as in `load`.
        unsafe { v128_store(values.as_mut_ptr().add(at).cast(), vector) }
    }
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod imp {
    /// Four `f32` lanes.
    pub type F4 = [f32; 4];

    #[inline(always)]
    pub fn zero() -> F4 {
        [0.0; 4]
    }

    #[inline(always)]
    pub fn splat(value: f32) -> F4 {
        [value; 4]
    }

    #[inline(always)]
    pub fn add(a: F4, b: F4) -> F4 {
        std::array::from_fn(|lane| a[lane] + b[lane])
    }

    /// Returns `acc + a * b`, rounded after the product and after the sum.
    #[inline(always)]
    pub fn mul_add(acc: F4, a: F4, b: F4) -> F4 {
        std::array::from_fn(|lane| acc[lane] + a[lane] * b[lane])
    }

    /// Returns the sum of the four lanes, as `(l0 + l2) + (l1 + l3)`.
    #[inline(always)]
    pub fn sum(v: F4) -> f32 {
        (v[0] + v[2]) + (v[1] + v[3])
    }

    /// Loads `values[at..at + 4]`. Bounds-checked here, where the check costs little.
    ///
    /// # Safety
    /// `at + 4` must not exceed `values.len()`, as for the wasm version.
    #[inline(always)]
    pub unsafe fn load(values: &[f32], at: usize) -> F4 {
        values[at..at + 4].try_into().expect("a range of four values")
    }

    /// Stores `vector` into `values[at..at + 4]`.
    ///
    /// # Safety
    /// As for [`load`].
    #[inline(always)]
    pub unsafe fn store(values: &mut [f32], at: usize, vector: F4) {
        values[at..at + 4].copy_from_slice(&vector);
    }
}
