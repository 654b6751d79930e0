class Blocks(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  _is_full_backward_hook : Optional[bool]
  embed : __torch__.torch.nn.modules.sparse.Embedding
  rnn : __torch__.torch.nn.modules.rnn.LSTM
  stack : __torch__.torch.nn.modules.container.Sequential
  heads : __torch__.torch.nn.modules.container.ModuleList
  def forward(self: __torch__.safeload_ts_models.Blocks,
    tokens: Tensor) -> List[Tensor]:
    _0 = __torch__.torch.nn.functional.softmax
    rnn = self.rnn
    embed = self.embed
    _1 = (rnn).forward__0((embed).forward(tokens, ), None, )
    x, _2, = _1
    stack = self.stack
    x0 = _0((stack).forward(x, ), -1, 3, None, )
    outs = annotate(List[Tensor], [])
    heads = self.heads
    _00 = getattr(heads, "0")
    _10 = getattr(heads, "1")
    _3 = torch.append(outs, (_00).forward(x0, ))
    _4 = torch.append(outs, (_10).forward(x0, ))
    if torch.gt(torch.len(outs), 1):
      _5 = torch._set_item(outs, 0, torch.add(outs[0], outs[1]))
    else:
      pass
    return outs
