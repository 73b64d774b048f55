import { EventSubscriber, type EntitySubscriberInterface, type InsertEvent, type UpdateEvent } from "typeorm";
import { AssetEvent } from "../entities/asset-event.entity";
import { Asset } from "../entities/asset.entity";

@EventSubscriber()
export class AssetSubscriber implements EntitySubscriberInterface<Asset> {
  listenTo() {
    return Asset;
  }

  async afterInsert(event: InsertEvent<Asset>) {
    await event.manager.insert(AssetEvent, { assetId: event.entity.id, kind: "insert" });
  }

  async afterUpdate(event: UpdateEvent<Asset>) {
    const columns = event.updatedColumns.map((c) => c.propertyName).join(",");
    await event.manager.insert(AssetEvent, { assetId: (event.entity as Asset).id, kind: `update:${columns}` });
  }
}
