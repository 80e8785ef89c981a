// Parses each LookML file given on the command line with the npm package lookml-parser; prints
// one line per file and exits 1 if any does not parse. With LOOKML_DUMP set to a file name, also
// writes there what the parser read, as JSON: file → parsed objects.
const fs = require('fs');
const parser = require('lookml-parser');
let failed = false;
const dump = {};
for (const file of process.argv.slice(2)) {
  let result;
  try {
    result = parser.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    result = undefined;
  }
  const kinds = result && typeof result === 'object' && !result.error
    ? Object.keys(result).filter((k) => !k.startsWith('$')) : [];
  if (kinds.length === 0) {
    console.log('FAIL ' + file);
    failed = true;
  } else {
    console.log('ok ' + file + ' ' + kinds.join(','));
    dump[file] = result;
  }
}
if (process.env.LOOKML_DUMP) {
  fs.writeFileSync(process.env.LOOKML_DUMP, JSON.stringify(dump));
}
process.exit(failed ? 1 : 0);
