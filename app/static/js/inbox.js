// The staff inbox (progressive enhancement only: the inbox works as plain forms without this file).
