//! Feeds arbitrary bytes to the XML reader, in memory and as a stream, with
//! entities refused (the default) and allowed on a small budget. The two
//! sources must agree, and whatever is accepted must write back and read
//! in again as the same value.

#![no_main]

use libfuzzer_sys::fuzz_target;
use serialkit::xml::build::ShapeBuilder;
use serialkit::xml::write::WriteOptions;
use serialkit::xml::{from_slice, parse, to_string, Failure, ReadOptions, StreamSource};
use serialkit::Limits;

fuzz_target!(|data: &[u8]| {
    let strict = ReadOptions {
        limits: Limits {
            max_depth: 16,
            ..Limits::default()
        },
        ..ReadOptions::default()
    };
    let lenient = ReadOptions {
        disable_entities: false,
        forbid_external: false,
        process_namespaces: true,
        process_comments: true,
        limits: Limits {
            max_depth: 16,
            max_expansion: 4096,
            ..Limits::default()
        },
        ..ReadOptions::default()
    };
    for options in [&strict, &lenient] {
        let in_memory = from_slice(data, options);
        if let Ok(value) = &in_memory {
            let written = to_string(value, &WriteOptions::default()).unwrap_or_else(|err| {
                panic!("a value read from XML must write: {value:?}: {err:?}")
            });
            let reread = from_slice(written.as_bytes(), &ReadOptions::default())
                .unwrap_or_else(|err| panic!("written XML must read back: {written:?}: {err:?}"));
            assert_eq!(&reread, value, "round trip changed the value: {written:?}");
        }
        // UTF-8 documents without the typed root read the same streamed.
        if std::str::from_utf8(data).is_ok() && !serialkit::xml::typed::is_typed(data) {
            let mut builder = ShapeBuilder::default();
            let mut source = StreamSource::new(std::io::BufReader::with_capacity(7, data));
            let streamed = parse(&mut source, options, &mut builder);
            let data_is_plain = !data.starts_with(b"\xEF\xBB\xBF")
                && serialkit::xml::encoding::declared(data).is_none();
            if data_is_plain {
                match (&in_memory, streamed) {
                    (Ok(value), Ok(())) => assert_eq!(&builder.finish(), value),
                    (Err(_), Err(Failure::Xml(_))) => {}
                    (Ok(_), Err(err)) => panic!("only the stream failed: {err:?}"),
                    (Err(err), Ok(())) => panic!("only memory failed: {err:?}"),
                    (_, Err(Failure::Sink(never))) => match never {},
                }
            }
        }
    }
});
