// Validates docs/openapi.yaml as an OpenAPI document (structure, $refs,
// schemas) with @apidevtools/swagger-parser from collector/web's npm lock.
// usage: node openapi_check.mjs WEB_DIR OPENAPI.yaml
import { createRequire } from "node:module";
import path from "node:path";

const [webDir, file] = process.argv.slice(2);
const require = createRequire(path.resolve(webDir, "package.json"));
const SwaggerParser = require("@apidevtools/swagger-parser");
try {
  const api = await SwaggerParser.validate(path.resolve(file));
  console.log(`ok: ${file} is a valid OpenAPI ${api.openapi} document, ` +
    `${Object.keys(api.paths).length} paths`);
} catch (e) {
  console.error("FAIL: " + e.message);
  process.exit(1);
}
