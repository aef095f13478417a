//! Options objects: each room declares its own as a typed `#[napi(object)]`
//! struct (typed in `index.d.ts`, converted by napi in one step) and lists
//! its fields with [`known!`], so a property that names no option is
//! refused with a `TypeError` instead of being ignored:
//! `store.issue({ expiresin: 5 })` is a typo, not a key that never expires.

use std::collections::HashMap;
use std::marker::PhantomData;

use napi::bindgen_prelude::*;
use napi::{Unknown, ValueType};

use crate::convert::{JsDate, arg};
use crate::error::{Failure, Fallible, camel};

/// A property that names no option: where it is, and what the object takes.
pub struct Stray {
    pub path: String,
    pub fields: &'static [&'static str],
}

/// A type that may appear in an options object. Option objects (declared
/// with [`known!`]) check their own properties and those of the option
/// objects they hold; every other type checks nothing.
pub trait Known {
    /// Whether values of this type hold properties to check.
    const CHECKED: bool = false;
    /// The first property of `v`, at any depth, that names no option.
    fn stray(_v: &Unknown<'_>) -> Result<Option<Stray>> {
        Ok(None)
    }
}

impl Known for String {}
impl Known for f64 {}
impl Known for bool {}
impl Known for JsDate {}
impl Known for Uint8Array {}
impl Known for HashMap<String, String> {}

impl<T: Known> Known for Option<T> {
    const CHECKED: bool = T::CHECKED;
    fn stray(v: &Unknown<'_>) -> Result<Option<Stray>> {
        T::stray(v)
    }
}

impl<T: Known> Known for Vec<T> {
    const CHECKED: bool = T::CHECKED;
    fn stray(v: &Unknown<'_>) -> Result<Option<Stray>> {
        if !T::CHECKED || !v.is_array()? {
            return Ok(None);
        }
        let items = unsafe { v.cast::<Array>() }?;
        for i in 0..items.len() {
            if let Some(item) = items.get::<Unknown>(i)?
                && let Some(mut s) = T::stray(&item)?
            {
                s.path = format!("[{i}]{}", dotted(&s.path));
                return Ok(Some(s));
            }
        }
        Ok(None)
    }
}

fn dotted(path: &str) -> String {
    if path.starts_with('[') {
        path.to_owned()
    } else {
        format!(".{path}")
    }
}

/// Whether `js` is napi's JavaScript name of the Rust field `snake`
/// (`expiresIn` for `expires_in`), without allocating: this runs on every
/// verify that takes options.
fn is_js_name(js: &str, snake: &str) -> bool {
    let mut js = js.chars();
    let mut up = false;
    for c in snake.chars() {
        if c == '_' {
            up = true;
            continue;
        }
        let want = if up { c.to_ascii_uppercase() } else { c };
        up = false;
        if js.next() != Some(want) {
            return false;
        }
    }
    js.next().is_none()
}

/// The check [`known!`] generates: every own enumerable property of `v` (a
/// plain object; anything else is left to the typed conversion) must name
/// one of `fields`; the values of the `checked` ones are checked in turn by
/// `nested(index, value)`.
pub fn stray_in(
    v: &Unknown<'_>,
    fields: &'static [&'static str],
    checked: &[bool],
    nested: impl Fn(usize, &Unknown<'_>) -> Result<Option<Stray>>,
) -> Result<Option<Stray>> {
    if v.get_type()? != ValueType::Object || v.is_array()? {
        return Ok(None);
    }
    let obj = unsafe { v.cast::<Object>() }?;
    for key in Object::keys(&obj)? {
        let Some(i) = fields.iter().position(|f| is_js_name(&key, f)) else {
            return Ok(Some(Stray { path: key, fields }));
        };
        if checked[i]
            && let Some(value) = obj.get::<Unknown>(&key)?
            && let Some(mut s) = nested(i, &value)?
        {
            s.path = format!("{key}{}", dotted(&s.path));
            return Ok(Some(s));
        }
    }
    Ok(None)
}

/// The type of a struct's field, named by a closure that is never called
/// (`field_type(|s: IssueOptions| s.name)`), so [`known!`] needs no types.
pub fn field_type<S, T>(_: impl FnOnce(S) -> T) -> PhantomData<T> {
    PhantomData
}

/// Whether the field of type `T` holds properties to check.
pub fn checked<T: Known>(_: PhantomData<T>) -> bool {
    T::CHECKED
}

/// The stray property inside a field's value of type `T`.
pub fn stray_of<T: Known>(_: PhantomData<T>, v: &Unknown<'_>) -> Result<Option<Stray>> {
    T::stray(v)
}

/// Implements [`Known`] for an options struct (a plain `#[napi(object)]`
/// struct, declared as usual so its doc comments reach `index.d.ts`) from
/// the list of its fields: `known!(RotateOptions { grace });`. The list
/// must name every field, or the build fails.
macro_rules! known {
    ($name:ident { $($field:ident),* $(,)? }) => {
        impl $crate::options::Known for $name {
            const CHECKED: bool = true;
            fn stray(
                v: &napi::Unknown<'_>,
            ) -> napi::Result<Option<$crate::options::Stray>> {
                use $crate::options::{checked, field_type, stray_of};
                // Fails to compile when the list misses a field.
                #[allow(dead_code)]
                fn every_field_listed(s: $name) {
                    let $name { $($field: _),* } = s;
                }
                $crate::options::stray_in(
                    v,
                    &[$(stringify!($field)),*],
                    &[$(checked(field_type(|s: $name| s.$field))),*],
                    |i, value| {
                        let mut n = 0usize;
                        $(
                            if i == n {
                                return stray_of(field_type(|s: $name| s.$field), value);
                            }
                            n += 1;
                        )*
                        let _ = n;
                        Ok(None)
                    },
                )
            }
        }
    };
}
pub(crate) use known;

/// Refuses an options object with a property that names no option.
pub fn refuse_strays<T: Known>(v: &Option<Unknown<'_>>) -> Fallible<()> {
    let Some(v) = v else { return Ok(()) };
    match T::stray(v) {
        Ok(None) => Ok(()),
        Ok(Some(s)) => Err(Failure::UnknownOption {
            path: s.path,
            known: s.fields.iter().map(|f| camel(f)).collect(),
        }),
        // A value napi cannot inspect: the typed conversion reports it.
        Err(_) => Ok(()),
    }
}

/// An optional options object: `undefined`/`null` is `None`; a property that
/// names no option is a `TypeError`; a wrong value an `InvalidArgument`.
pub fn options<T: FromNapiValue + TypeName + Known>(
    v: Option<Unknown<'_>>,
    field: &'static str,
    expect: &str,
) -> Fallible<Option<T>> {
    refuse_strays::<T>(&v)?;
    Ok(arg::<T>(v, field, expect)?)
}

/// A required options object (or array of them).
pub fn required_options<T: FromNapiValue + TypeName + Known>(
    v: Option<Unknown<'_>>,
    field: &'static str,
    expect: &str,
) -> Fallible<T> {
    options(v, field, expect)?.ok_or_else(|| {
        Failure::Core(crate::error::invalid(
            field,
            format!("is required and must be {expect}"),
        ))
    })
}
