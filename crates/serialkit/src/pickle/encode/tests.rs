use super::*;
use num_bigint::BigInt;

fn written(write: impl FnOnce(&mut Framer)) -> Vec<u8> {
    let mut out = Framer::default();
    write(&mut out);
    out.finish()
}

#[test]
fn int_outside_32_bits_is_the_shortest_twos_complement() {
    let mut values = vec![i64::MIN, i64::MAX, -1 << 39, (1 << 39) - 1];
    for shift in 31..63 {
        for value in [1i64 << shift, -(1i64 << shift)] {
            values.extend([value - 1, value, value + 1]);
        }
    }
    for value in values.into_iter().filter(|v| i32::try_from(*v).is_err()) {
        let shortest = BigInt::from(value).to_signed_bytes_le();
        let mut expected = vec![LONG1, shortest.len() as u8];
        expected.extend(&shortest);
        assert_eq!(
            written(|out| int(out, value, 2).unwrap()),
            expected,
            "{value}"
        );
    }
}

#[test]
fn text_forms_before_protocol_2() {
    assert_eq!(written(|out| int(out, -5, 0).unwrap()), b"I-5\n");
    assert_eq!(
        written(|out| int(out, 1 << 40, 1).unwrap()),
        b"L1099511627776L\n"
    );
    assert_eq!(written(|out| put(out, 300, 0).unwrap()), b"p300\n");
    assert_eq!(written(|out| get(out, 7, 0).unwrap()), b"g7\n");
    assert_eq!(written(|out| boolean(out, true, 1)), b"I01\n");
}

#[test]
fn memo_indices_past_32_bits_do_not_fit() {
    if let Ok(index) = usize::try_from(1u64 << 32) {
        assert_eq!(put(&mut Framer::default(), index, 3), Err(TooLarge));
        assert_eq!(get(&mut Framer::default(), index, 3), Err(TooLarge));
    }
}

#[test]
fn tuples_by_protocol() {
    let discard = |len, proto| written(|out| tuple_discard(out, len, proto));
    assert_eq!(discard(2, 2), [POP, POP]);
    assert_eq!(discard(2, 1), [POP_MARK]);
    assert_eq!(discard(2, 0), [POP, POP, POP]);
    let empty = |proto| {
        written(|out| {
            tuple_start(out, 0, proto);
            tuple_end(out, 0, proto);
        })
    };
    assert_eq!(empty(0), [MARK, TUPLE]);
    assert_eq!(empty(1), [EMPTY_TUPLE]);
}
