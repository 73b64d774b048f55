import { DataScript } from "typeorm-data-script";
import { Profile } from "../entities/profile.entity";

/** Table kind keyed by a uuid that is also the join column of its one-to-one relation: jsonb and bytea. */
export default class ProfileDefaults extends DataScript<Profile> {
  static override description = "Dark theme and a placeholder avatar for every profile";
  entity = Profile;
  override chunkSize = 100;

  mutate(profile: Profile) {
    profile.settings = { ...profile.settings, theme: "dark" };
    profile.avatar = Buffer.from([0, 1, 2, 255]);
  }
}
