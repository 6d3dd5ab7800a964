// A staff item page (progressive enhancement only: the page works as plain forms without this file).
