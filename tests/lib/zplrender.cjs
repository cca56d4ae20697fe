// zplrender.cjs LABEL.zpl OUT.png DPMM: render ZPL with zpl-renderer-js
// (a WASM build of the zebrash renderer) on a 4x6 in (101.6 x 152.4 mm)
// label at DPMM dots/mm (8 = 203 dpi, 12 = 300 dpi). The package is
// looked up in $FULFIL_ZPL_RENDERER_DIR (a directory holding its
// node_modules), else /usr/local/lib/fulfil-test.
"use strict";
const path = require("node:path");
const fs = require("node:fs");
const dir = process.env.FULFIL_ZPL_RENDERER_DIR || "/usr/local/lib/fulfil-test";
const { ready } = require(path.join(dir, "node_modules", "zpl-renderer-js"));
(async () => {
  const { api } = await ready;
  const zpl = fs.readFileSync(process.argv[2], "latin1");
  const png = await api.zplToBase64Async(zpl, 101.6, 152.4, Number(process.argv[4] || 8));
  fs.writeFileSync(process.argv[3], Buffer.from(png, "base64"));
})().catch((e) => { console.error("zplrender: " + e.message); process.exit(1); });
