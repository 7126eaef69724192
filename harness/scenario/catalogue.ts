/**
 * The names a scenario may refer to, as the lab knows them right now. The loader checks against
 * this so a typo fails at load time with the list of valid names, not halfway through a run.
 * A field left undefined means "not checked here" (the module that owns it will refuse at run time).
 */
export interface Catalogue {
  clients: readonly string[];
  targetLists?: readonly string[];
  presets?: readonly string[];
  forgingProfiles?: readonly string[];
  /** interceptors a scenario may put in the middle (engine, mitmproxy, ...) */
  boxes?: readonly string[];
}
