// Stands in for @codemirror/lang-html in the bundle. Dobro's Markdown has raw HTML turned off
// (course/render.py), so HTML inside Markdown needs no highlighting; the real package would
// bring the HTML, CSS and JavaScript grammars along (two thirds of the bundle).
import { LanguageSupport, StreamLanguage } from "@codemirror/language";

const plain = StreamLanguage.define({
  name: "html",
  token(stream) {
    stream.skipToEnd();
    return null;
  }
});

export function html() {
  return new LanguageSupport(plain);
}

export function htmlCompletionSource() {
  return null;
}
