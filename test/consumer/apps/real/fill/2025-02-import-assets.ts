import { createHash } from "node:crypto";
import { DataScript, type ScriptContext } from "typeorm-data-script";
import { Asset } from "../entities/asset.entity";
import { AssetStatus } from "../entities/enums";

interface Row {
  n: number;
}

/** The key the seed gave user n: md5(n) as a uuid, as PostgreSQL's md5(n::text)::uuid writes it. */
function userKey(n: number): string {
  const hex = createHash("md5").update(String(n)).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Source kind: new assets, bulk-inserted, each owned by a seeded user. */
export default class ImportAssets extends DataScript<Asset, Row> {
  static override description = "Import 500 archived assets";
  entity = Asset;
  override chunkSize = 200;

  override *source(): Iterable<Row> {
    for (let n = 1; n <= 500; n++) yield { n };
  }

  mutate({ n }: Row, ctx: ScriptContext) {
    return ctx.manager.create(Asset, {
      ownerId: userKey(1 + (n % 400)),
      status: AssetStatus.Archived,
      sizeBytes: "9007199254740993", // past 2^53: kept exact as a string
      meta: { source: "import", n },
    });
  }
}
