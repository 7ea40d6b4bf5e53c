// A single-pass input range that makes its items as it is read, like a generator: the
// streamed input of the batch tests and of bench_stream. It holds one item at a time.
#pragma once

#include <cstddef>
#include <iterator>

namespace leadscout::test::batch {

/// `make(i)` gives item i of `count`; begin() may be called once.
template <class Item, class Make>
class GeneratedItems {
 public:
  GeneratedItems(std::size_t count, Make make) : count_(count), make_(make) {}

  class iterator {
   public:
    using iterator_concept = std::input_iterator_tag;
    using value_type = Item;
    using difference_type = std::ptrdiff_t;

    iterator() = default;
    explicit iterator(GeneratedItems* owner) : owner_(owner) {}
    const Item& operator*() const { return owner_->current_; }
    iterator& operator++() {
      owner_->advance();
      return *this;
    }
    void operator++(int) { owner_->advance(); }
    friend bool operator==(const iterator& it, std::default_sentinel_t) { return it.owner_->at_end(); }

   private:
    GeneratedItems* owner_ = nullptr;
  };

  iterator begin() {
    if (count_ > 0) current_ = make_(0);
    return iterator(this);
  }
  std::default_sentinel_t end() { return {}; }
  [[nodiscard]] bool at_end() const noexcept { return index_ >= count_; }
  /// Items made so far.
  [[nodiscard]] std::size_t made() const noexcept { return index_ < count_ ? index_ + 1 : count_; }

 private:
  void advance() {
    if (++index_ < count_) current_ = make_(index_);
  }

  std::size_t count_;
  Make make_;
  std::size_t index_ = 0;
  Item current_{};
};

}  // namespace leadscout::test::batch
