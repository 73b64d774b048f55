import { DataScript } from "typeorm-data-script";
// A tsconfig `paths` alias, and a `baseUrl`-only import (no alias): both as the app's own code uses them.
import { Asset } from "@app/entities/asset.entity";
import { AssetStatus } from "src/entities/enums";

/** Table kind over an entity with two-way relations to entities that import it back. */
export default class NormalizeAssetStatus extends DataScript<Asset> {
  static override description = "Uploaded assets become ready; their size is counted twice";
  entity = Asset;
  override chunkSize = 150;

  mutate(asset: Asset) {
    if (asset.status !== AssetStatus.Uploaded) return false;
    asset.status = AssetStatus.Ready;
    asset.sizeBytes = String(BigInt(asset.sizeBytes) * 2n);
  }
}
