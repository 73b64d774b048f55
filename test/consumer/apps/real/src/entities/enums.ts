export enum UserRole {
  Member = "member",
  Admin = "admin",
}

export enum AssetStatus {
  Uploaded = "uploaded",
  Ready = "ready",
  Archived = "archived",
}
