//! Shared by the fuzz targets that check `serialkit::ucs`: a string decoded
//! the way the Python bindings build one, at the width `ucs::shape` picks.

use serialkit::ucs::{self, Shape, Width};

/// Which of the core's decoders to run. Each target uses one of them.
#[allow(dead_code)]
#[derive(Clone, Copy)]
pub enum Decoder {
    /// `ucs::decode`, for UTF-8 the caller validated.
    Trusting,
    /// `ucs::decode_wtf8`, which checks as it decodes.
    Checking,
}

/// The shape of `bytes` and, when the decoder accepts them, the characters
/// it wrote, widened to `u32`.
pub fn decode(bytes: &[u8], decoder: Decoder) -> (Shape, Option<Vec<u32>>) {
    let shape = ucs::shape(bytes);
    let units = match shape.width {
        Width::Ascii | Width::Ucs1 => at_width::<u8>(bytes, shape.chars, decoder),
        Width::Ucs2 => at_width::<u16>(bytes, shape.chars, decoder),
        Width::Ucs4 => at_width::<u32>(bytes, shape.chars, decoder),
    };
    (shape, units)
}

fn at_width<U>(bytes: &[u8], chars: usize, decoder: Decoder) -> Option<Vec<u32>>
where
    U: Copy + Default + From<u8> + TryFrom<u32> + Into<u32>,
{
    let mut out = vec![U::default(); chars];
    let accepted = match decoder {
        Decoder::Trusting => ucs::decode(bytes, &mut out),
        Decoder::Checking => ucs::decode_wtf8(bytes, &mut out),
    };
    accepted.then(|| out.into_iter().map(Into::into).collect())
}
