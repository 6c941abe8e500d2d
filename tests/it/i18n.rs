//! Both languages are complete: the catalogues have the same keys, and every
//! key the templates and the code use exists. Static files named by templates exist.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use klearn::i18n::{parse_catalog, I18n, Locale, EN_SOURCE, ZH_CN_SOURCE};

fn files_under(dir: &Path, exts: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            out.extend(files_under(&p, exts));
        } else if p.extension().is_some_and(|e| exts.iter().any(|x| e == *x)) {
            out.push(p);
        }
    }
    out
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every literal key passed to `t`, `t1`, `tf` or `k` in templates and code,
/// and every reason a use case refuses with (`invalid(field, key)`,
/// `Forbidden(key)`, `Conflict(key)`, `key: "…"`), which the pages show.
fn used_keys() -> BTreeSet<(String, String)> {
    let re = regex::Regex::new(
        r#"\b(?:t|t1|tf|k|Forbidden|Conflict|ForbiddenBecause|ConflictBecause)\("([A-Za-z0-9_.\-]+)"|\binvalid\("[a-z_]+", "([A-Za-z0-9_.\-]+)"|\bkey: "([A-Za-z0-9_.\-]+)""#,
    )
    .unwrap();
    let mut keys = BTreeSet::new();
    let mut files = files_under(&root().join("templates"), &["html", "txt"]);
    files.extend(files_under(&root().join("src"), &["rs"]));
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for cap in re.captures_iter(&text) {
            let key = cap
                .get(1)
                .or(cap.get(2))
                .or(cap.get(3))
                .map_or("", |m| m.as_str());
            keys.insert((
                key.to_string(),
                f.strip_prefix(root()).unwrap().display().to_string(),
            ));
        }
    }
    keys
}

#[test]
fn both_catalogues_have_the_same_keys() {
    let zh: BTreeSet<String> = parse_catalog(ZH_CN_SOURCE).unwrap().into_keys().collect();
    let en: BTreeSet<String> = parse_catalog(EN_SOURCE).unwrap().into_keys().collect();
    let only_zh: Vec<_> = zh.difference(&en).collect();
    let only_en: Vec<_> = en.difference(&zh).collect();
    assert!(
        only_zh.is_empty() && only_en.is_empty(),
        "only in zh-CN: {only_zh:?}; only in en: {only_en:?}"
    );
}

#[test]
fn no_translation_is_empty() {
    for (name, source) in [("zh-CN", ZH_CN_SOURCE), ("en", EN_SOURCE)] {
        for (k, v) in parse_catalog(source).unwrap() {
            assert!(!v.trim().is_empty(), "{name}: {k} is empty");
        }
    }
}

#[test]
fn every_key_used_exists_in_both_languages() {
    let i18n = I18n::load().unwrap();
    let used = used_keys();
    assert!(used.len() > 20, "the key scan found too little: {used:?}");
    let mut missing = Vec::new();
    for (key, file) in &used {
        for locale in Locale::ALL {
            if !i18n.has(locale, key) {
                missing.push(format!("{locale}: {key} (used in {file})"));
            }
        }
    }
    // Error pages build their keys from the status code.
    for code in klearn::web::error::KNOWN.iter().copied().chain([500]) {
        for part in ["title", "message"] {
            for locale in Locale::ALL {
                let key = format!("error.{code}.{part}");
                if !i18n.has(locale, &key) {
                    missing.push(format!("{locale}: {key}"));
                }
            }
        }
    }
    // Keys built at run time from the domain's lists.
    let mut built: Vec<String> = Vec::new();
    for kind in klearn::mail::notice::NoticeKind::ALL {
        built.push(format!("mail.{}.subject", kind.key()));
        built.push(format!("mail.{}.body", kind.key()));
        built.push(format!("mail.{}.note", kind.key()));
        if klearn::mail::notice::NoticeMail::has_button(kind) {
            built.push(format!("mail.{}.button", kind.key()));
        }
    }
    for &state in klearn::domain::expert::ExpertState::ALL {
        built.push(klearn::domain::expert::ExpertStateExt::label_key(state));
        for to in klearn::domain::expert::moderator_steps(state) {
            built.push(format!("admin.experts.step.{}", to.as_str()));
        }
    }
    for sort in klearn::domain::expert::ExpertSort::ALL {
        built.push(format!("experts.sort.{}", sort.as_str()));
    }
    for &state in klearn_db::FeedbackState::ALL {
        built.push(klearn::domain::feedback::state_key(state));
    }
    for &kind in klearn_db::FeedbackKind::ALL {
        built.push(klearn::domain::feedback::kind_key(kind));
    }
    for key in built {
        for locale in Locale::ALL {
            if !i18n.has(locale, &key) {
                missing.push(format!("{locale}: {key} (built at run time)"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "missing translations:\n{}",
        missing.join("\n")
    );
}

#[test]
fn templates_name_only_static_files_that_exist() {
    let re = regex::Regex::new(r#"asset\("([^"]+)"\)"#).unwrap();
    let assets = klearn::assets::Assets::load();
    for f in files_under(&root().join("templates"), &["html"]) {
        let text = std::fs::read_to_string(&f).unwrap();
        for cap in re.captures_iter(&text) {
            assert!(
                assets.get(&cap[1]).is_some(),
                "{}: no static/{}",
                f.display(),
                &cap[1]
            );
        }
    }
}
