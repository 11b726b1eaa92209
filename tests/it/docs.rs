//! Documentation that must match the code it describes.

use shubctl::spec::diagnostics::Code;

use crate::common::root;

/// `docs/diagnostics.md` lists exactly the codes the code has. `UPDATE_DOCS=1 cargo test`
/// rewrites the table.
#[test]
fn diagnostics_doc_lists_every_code() {
    let path = root().join("docs/diagnostics.md");
    let doc = std::fs::read_to_string(&path).unwrap();
    let start = doc.find("<!-- codes:start").expect("start marker");
    let start = start + doc[start..].find("-->").unwrap() + 3;
    let end = doc.find("<!-- codes:end -->").expect("end marker");
    let want = format!("\n{}", Code::markdown_table());
    if doc[start..end] != want {
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(&path, format!("{}{want}{}", &doc[..start], &doc[end..])).unwrap();
        } else {
            panic!(
                "docs/diagnostics.md is out of date; run `UPDATE_DOCS=1 cargo test diagnostics_doc`"
            );
        }
    }
}
