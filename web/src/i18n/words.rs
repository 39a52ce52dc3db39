//! The shared wording (`poort_shared::words`) in the current language and the browser's time
//! zone.

use chrono::{DateTime, Utc};
use poort_shared::words;

use super::{I18n, Lang};

/// Minutes to add to UTC for the browser's time zone at that moment (summer time included).
fn local_offset_minutes(at: DateTime<Utc>) -> i64 {
    #[allow(clippy::cast_precision_loss)]
    let ms = at.timestamp_millis() as f64;
    let offset = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms)).get_timezone_offset();
    #[allow(clippy::cast_possible_truncation)]
    let minutes = -(offset.round() as i64);
    minutes
}

fn shared(lang: Lang) -> words::Lang {
    match lang {
        Lang::Nl => words::Lang::Nl,
        Lang::En => words::Lang::En,
    }
}

impl I18n {
    /// A moment in the browser's time zone (reactive inside a closure).
    pub fn time(&self, at: DateTime<Utc>) -> String {
        words::format_time(shared(self.lang()), at, local_offset_minutes(at))
    }

    /// A count with its thousands grouped (reactive inside a closure).
    pub fn count(self, n: i64) -> impl Fn() -> String + Copy + 'static {
        move || words::format_count(shared(self.lang()), n)
    }

    /// An audit action in words, or its code when unknown (reactive inside a closure).
    pub fn action(&self, action: &str) -> String {
        words::action_words(action).map_or_else(
            || action.to_string(),
            |t| t[self.lang().index()].to_string(),
        )
    }

    /// A browser and system from a user-agent string (reactive inside a closure).
    pub fn device(&self, user_agent: &str) -> String {
        words::device(shared(self.lang()), user_agent)
    }
}
