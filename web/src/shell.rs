//! The sign-in page arrives as plain HTML in `index.html` (`#shell`), so that a person on a slow
//! connection can type while the app is still on its way. When the app starts, it takes the
//! shell over: what was typed, the field in focus and a submit already pressed are read, the
//! shell is removed and the app draws the same page in the same task (nothing is painted in
//! between), with those values, the focus back where it was and the submit sent.

use std::cell::RefCell;

use wasm_bindgen::JsCast;

/// What the person did in the shell before the app took over.
#[derive(Debug, Clone, Default)]
pub struct Carried {
    pub email: String,
    pub password: String,
    /// The id of the field that had the focus.
    pub focus: Option<String>,
    /// The form was submitted (the shell's script held it back).
    pub submitted: bool,
}

thread_local! {
    static CARRIED: RefCell<Option<Carried>> = const { RefCell::new(None) };
}

/// Reads the shell and removes it (call before mounting the app).
pub fn take_over() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(shell) = document.get_element_by_id("shell") else {
        return;
    };
    let value = |id: &str| {
        document
            .get_element_by_id(id)
            .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
            .map(|input| input.value())
            .unwrap_or_default()
    };
    let focus = document
        .active_element()
        .map(|e| e.id())
        .filter(|id| matches!(id.as_str(), "email" | "password"));
    let submitted = document
        .get_element_by_id("sign-in-form")
        .and_then(|f| f.get_attribute("data-submitted"))
        .is_some();
    let carried = Carried {
        email: value("email"),
        password: value("password"),
        focus,
        submitted,
    };
    shell.remove();
    CARRIED.with(|c| *c.borrow_mut() = Some(carried));
}

/// What the shell carried, once (the sign-in page takes it when it is first drawn).
pub fn carried() -> Option<Carried> {
    CARRIED.with(|c| c.borrow_mut().take())
}

/// Gives the focus back to the field that had it in the shell (after the app is drawn).
pub fn restore_focus(id: &str) {
    if let Some(element) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = element.focus();
    }
}
