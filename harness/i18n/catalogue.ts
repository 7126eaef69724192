/** The shape every language's catalogue has: the English one's keys, each with a message. */
import type { MessageKey } from './catalogues/en.ts';

/** one form, or plural forms picked by the `count` parameter (`other` is always there) */
export type Message = string | (Partial<Record<Intl.LDMLPluralRule, string>> & { other: string });

export type Catalogue = Record<MessageKey, Message>;
