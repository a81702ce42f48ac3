module goleaf

go 1.22
