//! Enums with one text form each: the JSON value, the database value and what `as_str` and
//! `parse` give, all from one list (so they cannot drift apart).

/// Declares an enum whose variants each have one wire name: serialised with it (serde),
/// written to and read from the database with it (`as_str`, `parse`), listed in `ALL`.
/// A renamed variant keeps its former name for one release: `New = "new" | "old"` serialises
/// as `new`, reads `old` as well, and tells its former name (`former_name`).
///
/// (The names are taken as `tt`, not `literal`: a `literal` reaches derive macros wrapped in
/// an invisible group, which utoipa does not read, and the OpenAPI schema would show the
/// variant names instead.)
///
/// ```
/// poort_shared::wire_enum! {
///     /// Where a thing stands.
///     pub enum State {
///         /// Not yet.
///         Open = "open",
///         Closed = "closed",
///     }
/// }
/// assert_eq!(State::parse("open"), Some(State::Open));
/// assert_eq!(serde_json::to_string(&State::Closed).unwrap(), "\"closed\"");
/// ```
#[macro_export]
macro_rules! wire_enum {
    (@former) => { None };
    (@former $alias:tt) => { Some($alias) };
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:tt $(| $alias:tt)? ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        $vis enum $name {
            $( $(#[$vmeta])* #[serde(rename = $text $(, alias = $alias)?)] $variant ),*
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The variant's former wire name, read as the variant for one release.
            pub fn former_name(self) -> Option<&'static str> {
                match self {
                    $($name::$variant => $crate::wire_enum!(@former $($alias)?)),*
                }
            }

            /// The wire name (JSON and database).
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),*
                }
            }

            /// The variant with this wire name (or its former name, where it has one).
            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($text $(| $alias)? => Some($name::$variant),)*
                    _ => None,
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

#[cfg(test)]
mod tests {
    crate::wire_enum! {
        enum Example {
            One = "one",
            TwoWords = "two_words" | "two",
        }
    }

    #[test]
    fn each_variant_has_one_name_for_json_and_text() {
        for v in Example::ALL {
            let json = serde_json::to_string(v).unwrap();
            assert_eq!(json, format!("\"{}\"", v.as_str()));
            assert_eq!(Example::parse(v.as_str()), Some(*v));
            assert_eq!(serde_json::from_str::<Example>(&json).unwrap(), *v);
        }
        assert_eq!(Example::parse("One"), None);
        assert_eq!(Example::TwoWords.to_string(), "two_words");
        // A former name is read, never written.
        assert_eq!(Example::parse("two"), Some(Example::TwoWords));
        assert_eq!(
            serde_json::from_str::<Example>("\"two\"").unwrap(),
            Example::TwoWords
        );
        assert_eq!(Example::TwoWords.former_name(), Some("two"));
        assert_eq!(Example::One.former_name(), None);
    }
}
