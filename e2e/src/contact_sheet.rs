//! The contact sheet: `e2e/artifacts/index.html` shows every screenshot the browser tests saved,
//! one row per screen with its Dutch and English version on a desktop and on a 360 px phone
//! side by side. Rewritten after every screenshot (atomically, so tests running in parallel
//! never leave half a page), so it is current whichever tests ran.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// The columns: language and screen width, as in the file names.
const SETTINGS: [(&str, &str); 4] = [
    ("nl-1280", "Nederlands, 1280 px"),
    ("en-1280", "English, 1280 px"),
    ("nl-360", "Nederlands, 360 px"),
    ("en-360", "English, 360 px"),
];

/// The order in which the journeys' people appear; others follow alphabetically.
const PEOPLE: [&str; 7] = [
    "operator",
    "admin",
    "adviser",
    "no-rights",
    "expired",
    "password-expired",
    "recovery",
];

/// One screenshot file name, taken apart.
#[derive(Debug, PartialEq)]
struct Shot {
    /// `nl-1280` etc., or empty for tests outside the journeys.
    setting: String,
    /// Whose browser (journeys) or which test.
    who: String,
    number: u32,
    label: String,
}

fn parse(file: &str) -> Option<Shot> {
    let stem = file.strip_suffix(".png")?;
    let (setting, rest) = SETTINGS
        .iter()
        .find_map(|(s, _)| {
            stem.strip_prefix(s)
                .and_then(|r| r.strip_prefix('-'))
                .map(|r| (s.to_string(), r))
        })
        .unwrap_or((String::new(), stem));
    // `<who>-<nn>-<label>`: the first two-digit part is the number.
    let parts: Vec<&str> = rest.split('-').collect();
    let at = parts
        .iter()
        .position(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit()))?;
    if at == 0 || at + 1 >= parts.len() {
        return None;
    }
    Some(Shot {
        setting,
        who: parts[..at].join("-"),
        number: parts[at].parse().ok()?,
        label: parts[at + 1..].join("-"),
    })
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn person_rank(who: &str) -> (usize, String) {
    (
        PEOPLE
            .iter()
            .position(|p| *p == who)
            .unwrap_or(PEOPLE.len()),
        who.to_string(),
    )
}

/// Builds the page from the PNG files in `dir`.
pub fn render(dir: &Path) -> std::io::Result<String> {
    let mut files: Vec<String> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|f| f.ends_with(".png"))
        .collect();
    files.sort();
    // Journeys: (person, screen) → the file per setting. Other tests: test → files.
    type Row = (u32, BTreeMap<String, String>);
    let mut journeys: BTreeMap<((usize, String), String), Row> = BTreeMap::new();
    let mut others: BTreeMap<String, Vec<(u32, String, String)>> = BTreeMap::new();
    for file in &files {
        let Some(shot) = parse(file) else {
            others
                .entry("other".into())
                .or_default()
                .push((0, file.clone(), file.clone()));
            continue;
        };
        if shot.setting.is_empty() {
            others
                .entry(shot.who)
                .or_default()
                .push((shot.number, shot.label, file.clone()));
        } else {
            let row = journeys
                .entry((person_rank(&shot.who), shot.label))
                .or_insert((shot.number, BTreeMap::new()));
            row.0 = row.0.min(shot.number);
            row.1.insert(shot.setting, file.clone());
        }
    }
    let mut rows: Vec<_> = journeys.into_iter().collect();
    rows.sort_by(|((a_who, _), (a_n, _)), ((b_who, _), (b_n, _))| {
        a_who.cmp(b_who).then(a_n.cmp(b_n))
    });

    let mut html = String::from(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n\
         <title>Poort — screens</title>\n<style>\n\
         body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1d2733}\n\
         h2{margin-top:2.5rem;border-bottom:2px solid #0b5e8a}\n\
         table{border-collapse:collapse}\n\
         th,td{vertical-align:top;padding:.4rem;border-bottom:1px solid #ddd;text-align:left}\n\
         td.screen{font-weight:600;width:12rem}\n\
         img{display:block;border:1px solid #bbb;max-height:900px;object-fit:cover;object-position:top}\n\
         img.desktop{width:320px}img.phone{width:150px}\n\
         figure{display:inline-block;margin:.4rem;vertical-align:top}\n\
         figcaption{font-size:.8rem}\n\
         </style></head><body>\n<h1>Poort — every screen</h1>\n\
         <p>Saved by the browser tests (<code>cargo xtask test</code>); click a screen to see it \
         at full size. Rows: one screen; columns: language and width.</p>\n",
    );
    let mut current: Option<String> = None;
    for (((_, who), label), (number, by_setting)) in &rows {
        if current.as_deref() != Some(who.as_str()) {
            if current.is_some() {
                html.push_str("</table>\n");
            }
            let _ = write!(html, "<h2>{}</h2>\n<table><tr><th>Screen</th>", escape(who));
            for (_, caption) in SETTINGS {
                let _ = write!(html, "<th>{caption}</th>");
            }
            html.push_str("</tr>\n");
            current = Some(who.clone());
        }
        let _ = write!(
            html,
            "<tr><td class=\"screen\">{number:02} {}</td>",
            escape(label)
        );
        for (setting, _) in SETTINGS {
            match by_setting.get(setting) {
                Some(file) => {
                    let class = if setting.ends_with("-360") {
                        "phone"
                    } else {
                        "desktop"
                    };
                    let _ = write!(
                        html,
                        "<td><a href=\"{0}\"><img class=\"{class}\" loading=\"lazy\" src=\"{0}\" alt=\"{1}\"></a></td>",
                        escape(file),
                        escape(label)
                    );
                }
                None => html.push_str("<td>—</td>"),
            }
        }
        html.push_str("</tr>\n");
    }
    if current.is_some() {
        html.push_str("</table>\n");
    }
    if !others.is_empty() {
        html.push_str("<h2>Other browser tests</h2>\n");
        for (test, mut shots) in others {
            shots.sort();
            let _ = writeln!(html, "<h3>{}</h3>", escape(&test));
            for (_, label, file) in shots {
                let _ = writeln!(
                    html,
                    "<figure><a href=\"{0}\"><img class=\"desktop\" loading=\"lazy\" src=\"{0}\" alt=\"{1}\"></a><figcaption>{1}</figcaption></figure>",
                    escape(&file),
                    escape(&label)
                );
            }
        }
    }
    html.push_str("</body></html>\n");
    Ok(html)
}

/// Rewrites `dir/index.html` atomically.
pub fn write(dir: &Path) -> std::io::Result<()> {
    let html = render(dir)?;
    let tmp = dir.join(format!(
        ".index.html.{}.{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::write(&tmp, html)?;
    std::fs::rename(&tmp, dir.join("index.html"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_taken_apart() {
        assert_eq!(
            parse("nl-360-no-rights-04-no-access.png"),
            Some(Shot {
                setting: "nl-360".into(),
                who: "no-rights".into(),
                number: 4,
                label: "no-access".into()
            })
        );
        assert_eq!(
            parse("language-02-english.png"),
            Some(Shot {
                setting: String::new(),
                who: "language".into(),
                number: 2,
                label: "english".into()
            })
        );
        assert_eq!(parse("notes.txt"), None);
        assert_eq!(parse("x.png"), None);
    }

    #[test]
    fn the_sheet_puts_the_four_versions_of_a_screen_in_one_row() {
        let dir = tempfile::tempdir().unwrap();
        for f in [
            "nl-1280-adviser-02-my-account.png",
            "en-360-adviser-02-my-account.png",
            "nl-1280-operator-01-sign-in-empty.png",
            "outbox-01-list.png",
        ] {
            std::fs::write(dir.path().join(f), b"png").unwrap();
        }
        write(dir.path()).unwrap();
        let html = std::fs::read_to_string(dir.path().join("index.html")).unwrap();
        let operator = html.find("<h2>operator</h2>").unwrap();
        let adviser = html.find("<h2>adviser</h2>").unwrap();
        assert!(operator < adviser, "journey order: {html}");
        let row = &html[adviser..];
        let row = &row[row.find("<tr><td").unwrap()..];
        let row = &row[..row.find("</tr>").unwrap()];
        assert!(row.contains("nl-1280-adviser-02-my-account.png"));
        assert!(row.contains("en-360-adviser-02-my-account.png"));
        assert_eq!(row.matches("<td>—</td>").count(), 2, "{row}");
        assert!(html.contains("outbox-01-list.png"));
    }
}
