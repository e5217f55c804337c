module github.com/softmaxreg/softmax

go 1.22
