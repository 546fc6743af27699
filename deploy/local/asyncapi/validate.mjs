// Validates AsyncAPI documents with the AsyncAPI project's parser; prints its diagnostics as JSON
// lines ({severity, code, message, path}) and exits 1 when any is an error.
import { readFileSync } from "node:fs";
import { Parser, DiagnosticSeverity } from "@asyncapi/parser";

const parser = new Parser();
let failed = false;
for (const file of process.argv.slice(2)) {
  const { document, diagnostics } = await parser.parse(readFileSync(file, "utf8"), { source: file });
  for (const d of diagnostics) {
    const severity = DiagnosticSeverity[d.severity] ?? String(d.severity);
    if (d.severity === DiagnosticSeverity.Error) failed = true;
    console.log(JSON.stringify({ file, severity, code: d.code, message: d.message, path: d.path.join(".") }));
  }
  if (!document) failed = true;
}
process.exit(failed ? 1 : 0);
