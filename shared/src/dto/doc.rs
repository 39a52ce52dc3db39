//! What the API document says about the text fields the parsers of [`crate::validate`] and
//! [`crate::password`] check: one function per kind of text, used by the request bodies as
//! `#[schema(schema_with = …)]`, each built from the same constants the parsers use. Every
//! text a pattern matches is accepted by its parser (the tests of `validate` check it on
//! generated texts), so a client generated from the document never sends what the server
//! refuses for its form; the parsers also accept the ways people write these by hand (spaces in
//! a code or a KvK number, `06-1234 5678`, lower-case agency numbers), as the descriptions say.

use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaFormat, SchemaType, Type};
use utoipa::openapi::{KnownFormat, RefOr};

use crate::validate::pattern;

fn text(
    description: &str,
    pattern: Option<&str>,
    min: Option<usize>,
    max: Option<usize>,
    example: &str,
) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .pattern(pattern)
        .min_length(min)
        .max_length(max)
        .examples([example])
}

fn done(builder: ObjectBuilder) -> RefOr<Schema> {
    RefOr::T(Schema::Object(builder.build()))
}

pub fn email() -> RefOr<Schema> {
    done(
        text(
            "An e-mail address (at most 254 characters; compared without regard to case).",
            None,
            Some(3),
            Some(pattern::EMAIL_MAX),
            "jan.jansen@kantoor.nl",
        )
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Email))),
    )
}

pub fn mobile() -> RefOr<Schema> {
    done(text(
        "A mobile number: E.164 (`+31612345678`; other countries with their own code, 8 to 15 \
         digits) or the Dutch `06…`. Dutch numbers are mobile numbers (06, not 066: those are \
         pagers). Spaces, dashes, dots, brackets, `0031` and `+31 (0)6` are also understood.",
        Some(pattern::MOBILE),
        None,
        None,
        "+31612345678",
    ))
}

pub fn one_time_code() -> RefOr<Schema> {
    done(text(
        "A 6-digit code from the SMS or the authenticator app (spaces are ignored).",
        Some(pattern::ONE_TIME_CODE),
        None,
        None,
        "123456",
    ))
}

pub fn kvk_number() -> RefOr<Schema> {
    done(text(
        "A KvK number: 8 digits (spaces and dots are ignored).",
        Some(pattern::KVK_NUMBER),
        None,
        None,
        "12345678",
    ))
}

pub fn agency_number() -> RefOr<Schema> {
    done(text(
        "An agency number: 1 to 20 letters, digits and dashes, kept in capitals.",
        Some(pattern::AGENCY_NUMBER),
        None,
        None,
        "AG-1001",
    ))
}

pub fn name() -> RefOr<Schema> {
    done(text(
        "A name: 1 to 100 characters with at least one that is not white space, and no control \
         characters other than white space (runs of white space become one space).",
        Some(pattern::NAME),
        Some(1),
        Some(pattern::NAME_MAX),
        "Jan de Vries",
    ))
}

pub fn note() -> RefOr<Schema> {
    nullable(done(text(
        "A note: at most 500 characters, no control characters other than tab and line \
         breaks; surrounding white space is dropped, and an empty note is none.",
        Some(pattern::NOTE),
        None,
        Some(pattern::NOTE_MAX),
        "Ik neem de schadebehandeling van een collega over.",
    )))
}

pub fn reason() -> RefOr<Schema> {
    done(text(
        "A reason: 1 to 500 characters with at least one that is not white space, no control \
         characters other than tab and line breaks.",
        Some(pattern::REASON),
        Some(1),
        Some(pattern::NOTE_MAX),
        "Deze portefeuille wordt door een collega behandeld.",
    ))
}

/// The same text, or `null` (an update that leaves it as it is).
fn nullable(schema: RefOr<Schema>) -> RefOr<Schema> {
    match schema {
        RefOr::T(Schema::Object(mut o)) => {
            o.schema_type = SchemaType::from_iter([Type::String, Type::Null]);
            RefOr::T(Schema::Object(o))
        }
        other => other,
    }
}

pub fn optional_name() -> RefOr<Schema> {
    nullable(name())
}

pub fn optional_kvk_number() -> RefOr<Schema> {
    nullable(kvk_number())
}

pub fn optional_agency_number() -> RefOr<Schema> {
    nullable(agency_number())
}

pub fn new_password() -> RefOr<Schema> {
    done(text(
        "A new password: 12 to 128 characters, any. Refused as well when it is a common \
         password (`password_too_common`) or contains the e-mail address or the name \
         (`password_contains_personal_data`).",
        None,
        Some(crate::password::MIN_LENGTH),
        Some(crate::password::MAX_LENGTH),
        "lange zomeravonden aan zee",
    ))
}

pub fn password() -> RefOr<Schema> {
    done(text(
        "The current password.",
        None,
        None,
        None,
        "lange zomeravonden aan zee",
    ))
}
