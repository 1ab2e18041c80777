//! Builds the core [`Value`] from the parser, for the CLI and Rust callers.

use super::parse::{Constant, JsonStr, Number, NumberKind, Sink};
use crate::value::{DictBuilder, Value};
use num_bigint::BigInt;

/// What the core model cannot hold: Rust strings have no lone surrogates.
#[derive(Debug)]
pub struct LoneSurrogate;

#[derive(Default)]
pub struct ValueSink;

fn owned_str(string: JsonStr<'_>) -> Result<String, LoneSurrogate> {
    String::from_utf8(string.bytes.to_vec()).map_err(|_| LoneSurrogate)
}

impl Sink for ValueSink {
    type Value = Value;
    type Key = String;
    type Array = Vec<Value>;
    type Object = DictBuilder;
    type Error = LoneSurrogate;

    fn null(&mut self) -> Result<Value, LoneSurrogate> {
        Ok(Value::None)
    }

    fn boolean(&mut self, value: bool) -> Result<Value, LoneSurrogate> {
        Ok(Value::Bool(value))
    }

    fn number(&mut self, number: Number<'_>) -> Result<Value, LoneSurrogate> {
        Ok(match number.kind {
            NumberKind::Int(value) => Value::Int(value),
            NumberKind::BigInt => match number.text.parse::<BigInt>() {
                Ok(value) => Value::BigInt(value),
                Err(_) => Value::Float(number.text.parse().unwrap_or(f64::NAN)),
            },
            // The grammar admits only texts that Rust's parser accepts.
            NumberKind::Float => Value::Float(number.text.parse().unwrap_or(f64::NAN)),
        })
    }

    fn constant(&mut self, constant: Constant) -> Result<Value, LoneSurrogate> {
        Ok(Value::Float(constant.value()))
    }

    fn string(&mut self, string: JsonStr<'_>) -> Result<Value, LoneSurrogate> {
        owned_str(string).map(Value::Str)
    }

    fn key(&mut self, key: JsonStr<'_>) -> Result<String, LoneSurrogate> {
        owned_str(key)
    }

    fn array_begin(&mut self) -> Result<Vec<Value>, LoneSurrogate> {
        Ok(Vec::new())
    }

    fn array_push(&mut self, array: &mut Vec<Value>, value: Value) -> Result<(), LoneSurrogate> {
        array.push(value);
        Ok(())
    }

    fn array_end(&mut self, array: Vec<Value>) -> Result<Value, LoneSurrogate> {
        Ok(Value::List(array))
    }

    fn object_begin(&mut self) -> Result<DictBuilder, LoneSurrogate> {
        Ok(DictBuilder::default())
    }

    fn object_insert(
        &mut self,
        object: &mut DictBuilder,
        key: String,
        value: Value,
    ) -> Result<(), LoneSurrogate> {
        object.insert_str_key(key, value);
        Ok(())
    }

    fn object_end(&mut self, object: DictBuilder) -> Result<Value, LoneSurrogate> {
        Ok(object.finish())
    }
}
